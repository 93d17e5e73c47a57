// Package parser turns *.dag.hcl files into validated ir.Pipelines. It is
// the only package that knows HCL and cty; every user error comes out of it
// as an ir.Diagnostic with a file:line:col range.
package parser

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/dagc-dev/dagc/ir"
)

// FileSuffix is the extension of pipeline files.
const FileSuffix = ".dag.hcl"

// Options are the compile-time inputs of a parse.
type Options struct {
	// Vars are --var name=value pairs, in the order given (later wins).
	Vars []string
	// VarFiles are --var-file paths, in the order given.
	VarFiles []string
	// Environ is the environment searched for DAGC_VAR_name (os.Environ()).
	Environ []string
	// Backends are the block types that hold a backend's settings
	// (`airflow {}`, …), in pipeline, defaults and task; dagc passes its
	// registry's names (backends/registry), so any other block type is an
	// error with a suggestion. nil is permissive, for tools and tests that
	// decode no backend settings: every block type the language does not
	// define is kept as the settings of a backend of that name. The parser
	// never decodes these blocks; each backend does (backends/settings).
	Backends []string
}

// Parser parses pipeline files and keeps their sources so that diagnostics
// can be printed with source snippets.
type Parser struct {
	sources map[string][]byte
}

// New returns an empty Parser.
func New() *Parser { return &Parser{sources: map[string][]byte{}} }

// Source returns the text of a file the parser has read, for tools that
// show snippets of their own.
func (p *Parser) Source(filename string) ([]byte, bool) {
	src, ok := p.sources[filename]
	return src, ok
}

// ParsePaths parses every path: a file, or a directory meaning every
// *.dag.hcl file directly in it (sorted by name). Pipelines that parsed
// without error are returned even when other files have errors.
func (p *Parser) ParsePaths(paths []string, opts Options) ([]*ir.Pipeline, ir.Diagnostics) {
	var files []string
	var diags ir.Diagnostics
	for _, path := range paths {
		st, err := os.Stat(path)
		if err != nil {
			diags = append(diags, ir.Diagnostic{Severity: ir.Error, Summary: "Cannot read pipeline path", Detail: err.Error()})
			continue
		}
		if !st.IsDir() {
			files = append(files, path)
			continue
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			diags = append(diags, ir.Diagnostic{Severity: ir.Error, Summary: "Cannot read pipeline directory", Detail: err.Error()})
			continue
		}
		var found []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), FileSuffix) {
				found = append(found, filepath.Join(path, e.Name()))
			}
		}
		if len(found) == 0 {
			diags = append(diags, ir.Diagnostic{Severity: ir.Error, Summary: "No pipeline files", Detail: fmt.Sprintf("The directory %s holds no *%s file.", path, FileSuffix)})
		}
		sort.Strings(found)
		files = append(files, found...)
	}

	var pipes []*ir.Pipeline
	names := map[string]string{}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[filepath.Clean(f)] {
			continue // the same file named twice (a file and its directory)
		}
		seen[filepath.Clean(f)] = true
		src, err := os.ReadFile(f)
		if err != nil {
			diags = append(diags, ir.Diagnostic{Severity: ir.Error, Summary: "Cannot read pipeline file", Detail: err.Error()})
			continue
		}
		pipe, d := p.ParseFile(f, src, opts)
		diags = append(diags, d...)
		if pipe == nil || d.HasErrors() {
			continue
		}
		if other, dup := names[pipe.Name]; dup {
			diags.Errorf(pipe.Range, "Duplicate pipeline name", "The pipeline %q is also defined in %s; each pipeline needs its own name.", pipe.Name, other)
			continue
		}
		names[pipe.Name] = f
		pipes = append(pipes, pipe)
	}
	return pipes, dedupe(diags)
}

// ParseFile parses one pipeline from src; filename names it in diagnostics
// and gives the default pipeline name. The pipeline is returned even when
// there are errors (partial result, for tools such as graph), but it is only
// valid for backends when no error diagnostic is returned.
func (p *Parser) ParseFile(filename string, src []byte, opts Options) (*ir.Pipeline, ir.Diagnostics) {
	p.sources[filename] = src
	defer relaxGC(len(src))()
	body, hd := parseBody(src, filename)
	if hd.HasErrors() {
		return nil, dedupe(toDiagnostics(hd))
	}
	if body == nil {
		return nil, ir.Diagnostics{{Severity: ir.Error, Summary: "Unexpected file body"}}
	}
	c := newCompiler(p, filename, body, opts)
	c.diags = append(c.diags, hd...)
	pipe := c.compile()
	ir.Normalize(pipe)
	diags := toDiagnostics(c.diags)
	if !diags.HasErrors() {
		diags = append(diags, ir.Validate(pipe)...)
	}
	diags = dedupe(diags)
	sortDiagnostics(diags)
	return pipe, diags
}

// pipelineNameFromFile gives the default pipeline name: the file's base
// name without the .dag.hcl suffix.
func pipelineNameFromFile(filename string) string {
	base := filepath.Base(filename)
	if strings.HasSuffix(base, FileSuffix) {
		return strings.TrimSuffix(base, FileSuffix)
	}
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// gcState counts the ParseFile calls that run with relaxed GC settings and
// keeps the settings to restore when the last one ends.
var gcState struct {
	sync.Mutex
	active        int
	percent       int
	limit         int64
	relaxedBudget int64
}

// relaxGC switches the garbage collector off while a large file is parsed,
// up to a memory limit proportional to its size, and returns the function
// that restores the previous settings. Parsing and compiling build a heap
// that stays almost wholly live until the end (the syntax tree, then the
// IR: about 55 bytes per source byte), so collections during a parse
// reclaim little but each scans the whole heap: at 10,000 tasks they were
// a third of the CPU time, with the same peak memory as without them. The
// limit (64 MiB plus 96 bytes per source byte) keeps a pathological input
// from growing without bound: the collector runs again once it is reached.
func relaxGC(srcLen int) (restore func()) {
	if srcLen < 256<<10 {
		return func() {}
	}
	budget := int64(64<<20) + 96*int64(srcLen)
	gcState.Lock()
	defer gcState.Unlock()
	if gcState.active == 0 {
		gcState.percent = debug.SetGCPercent(-1)
		gcState.limit = debug.SetMemoryLimit(-1)
		gcState.relaxedBudget = 0
	}
	gcState.active++
	gcState.relaxedBudget += budget
	debug.SetMemoryLimit(min(gcState.limit, gcState.relaxedBudget))
	return func() {
		gcState.Lock()
		defer gcState.Unlock()
		gcState.active--
		gcState.relaxedBudget -= budget
		if gcState.active == 0 {
			debug.SetGCPercent(gcState.percent)
			debug.SetMemoryLimit(gcState.limit)
			return
		}
		debug.SetMemoryLimit(min(gcState.limit, gcState.relaxedBudget))
	}
}

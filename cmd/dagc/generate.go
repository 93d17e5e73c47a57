package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/registry"
	"github.com/dagc-dev/dagc/ir"
)

func newGenerateCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "generate BACKEND [PATH...]",
		Short: "Render pipelines for an engine (airflow, argo, stepfunctions)",
		Long: "Render each pipeline for an engine. Files go to -o DIR (default: the current\n" +
			"directory), or to stdout with -o -. With --check nothing is written: the files\n" +
			"already in DIR are compared with what would be generated and a unified diff of\n" +
			"each stale file is printed (exit 1).",
	}
	// Every backend of the registry that renders files is a subcommand.
	for _, e := range registry.All() {
		if r, ok := e.(backends.Renderer); ok {
			cmd.AddCommand(newGenerateBackendCmd(s, r))
		}
	}
	return cmd
}

func init() { register(newGenerateCmd) }

// newGenerateBackendCmd is `dagc generate <r.Name()>`. r belongs to this
// command: its flags (backends.FlagAdder) configure it.
func newGenerateBackendCmd(s *streams, r backends.Renderer) *cobra.Command {
	name := r.Name()
	var (
		in     inputFlags
		outDir string
		check  bool
	)
	cmd := &cobra.Command{
		Use:   name + " [PATH...]",
		Short: "Render pipelines for " + name,
	}
	in.add(cmd)
	cmd.Flags().StringVarP(&outDir, "output", "o", ".", "output `dir`ectory, or - for stdout")
	cmd.Flags().BoolVar(&check, "check", false, "compare with the files in the output directory instead of writing; exit 1 when stale")
	if fa, ok := r.(backends.FlagAdder); ok {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		fa.AddFlags(fs)
		cmd.Flags().AddGoFlagSet(fs)
	}
	cmd.RunE = func(_ *cobra.Command, paths []string) error {
		if check && outDir == "-" {
			return usageErrorf("--check needs an output directory, not -o -")
		}
		p, pipes, err := loadPipelines(s, paths, &in)
		if err != nil {
			return err
		}
		var files []backends.File
		var diags ir.Diagnostics
		for _, pipe := range pipes {
			d := r.Check(pipe)
			if !d.HasErrors() {
				var fs []backends.File
				fs, rd := r.Render(pipe)
				d = append(d, rd...)
				files = append(files, fs...)
			}
			diags = append(diags, d...)
		}
		if len(diags) > 0 {
			p.WriteDiagnostics(s.err, diags)
		}
		if diags.HasErrors() {
			return failed()
		}
		switch {
		case check:
			return checkFiles(s, outDir, files)
		case outDir == "-":
			for i, f := range files {
				if len(files) > 1 {
					if i > 0 {
						fmt.Fprintln(s.out)
					}
					fmt.Fprintf(s.out, "==> %s <==\n", f.Path)
				}
				s.out.Write(f.Data)
			}
			return nil
		default:
			return writeFiles(outDir, files)
		}
	}
	return cmd
}

// writeFiles writes each file atomically (temp file + rename), so an
// interrupted generate never leaves a half-written DAG for an engine to load.
func writeFiles(dir string, files []backends.File) error {
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return &exitError{code: exitFail, msg: err.Error()}
		}
		if f.Lines {
			// The user's lines stay; only the missing ones are added.
			old, err := os.ReadFile(path)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return &exitError{code: exitFail, msg: err.Error()}
			}
			missing := backends.MissingLines(old, f.Data)
			if len(missing) == 0 {
				continue
			}
			if len(old) > 0 {
				if !bytes.HasSuffix(old, []byte("\n")) {
					old = append(old, '\n')
				}
				f.Data = append(old, []byte(strings.Join(missing, "\n")+"\n")...)
			}
		}
		tmp, err := os.CreateTemp(filepath.Dir(path), ".dagc-*")
		if err != nil {
			return &exitError{code: exitFail, msg: err.Error()}
		}
		_, werr := tmp.Write(f.Data)
		cerr := tmp.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Chmod(tmp.Name(), 0o644)
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), path)
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return &exitError{code: exitFail, msg: werr.Error()}
		}
	}
	return nil
}

// checkFiles prints a unified diff for every file in dir that differs from
// what generate would write, and fails when any does.
func checkFiles(s *streams, dir string, files []backends.File) error {
	stale := 0
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return &exitError{code: exitFail, msg: err.Error()}
		}
		if bytes.Equal(old, f.Data) || f.Lines && err == nil && len(backends.MissingLines(old, f.Data)) == 0 {
			continue
		}
		stale++
		if err != nil {
			fmt.Fprintf(s.out, "%s: missing (dagc generate would create it)\n", path)
			continue
		}
		fmt.Fprint(s.out, unifiedDiff(path, string(old), string(f.Data)))
	}
	if stale > 0 {
		fmt.Fprintf(s.err, "%d generated file(s) out of date in %s; run dagc generate to refresh them\n", stale, dir)
		return failed()
	}
	return nil
}

// unifiedDiff renders a line diff of the file at path (a) and what generate
// would write (b) as a unified diff with three lines of context.
func unifiedDiff(path, a, b string) string {
	return unifiedDiffLabels(path, path+" (generated)", a, b)
}

// unifiedDiffLabels renders a line diff of a and b as a unified diff with
// three lines of context, naming them aLabel and bLabel in the header.
func unifiedDiffLabels(aLabel, bLabel, a, b string) string {
	dmp := diffmatchpatch.New()
	ra, rb, lines := dmp.DiffLinesToRunes(a, b)
	// No semantic cleanup: on lines it turns a lone unchanged line between
	// two changes (a closing brace, say) into a delete and re-insert.
	diffs := dmp.DiffMainRunes(ra, rb, false)
	diffs = dmp.DiffCharsToLines(diffs, lines)

	type line struct {
		op   diffmatchpatch.Operation
		text string
	}
	var all []line
	for _, d := range diffs {
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l != "" {
				all = append(all, line{d.Type, l})
			}
		}
	}
	const context = 3
	var out strings.Builder
	if a == b {
		return ""
	}
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aLabel, bLabel)
	aLine, bLine := 1, 1
	for i := 0; i < len(all); {
		if all[i].op == diffmatchpatch.DiffEqual {
			aLine++
			bLine++
			i++
			continue
		}
		// A hunk: from context lines before i to context lines after the
		// last change that is within 2*context of the next one.
		start := i
		for start > 0 && i-start < context && all[start-1].op == diffmatchpatch.DiffEqual {
			start--
		}
		end := i
		for {
			for end < len(all) && all[end].op != diffmatchpatch.DiffEqual {
				end++
			}
			eq := end
			for eq < len(all) && all[eq].op == diffmatchpatch.DiffEqual && eq-end < 2*context {
				eq++
			}
			if eq < len(all) && all[eq].op != diffmatchpatch.DiffEqual {
				end = eq
				continue
			}
			end = min(end+context, len(all))
			break
		}
		aStart, bStart := aLine-(i-start), bLine-(i-start)
		var body strings.Builder
		aCount, bCount := 0, 0
		for _, l := range all[start:end] {
			text := l.text
			if !strings.HasSuffix(text, "\n") {
				text += "\n\\ No newline at end of file\n"
			}
			switch l.op {
			case diffmatchpatch.DiffEqual:
				body.WriteString(" " + text)
				aCount++
				bCount++
			case diffmatchpatch.DiffDelete:
				body.WriteString("-" + text)
				aCount++
			case diffmatchpatch.DiffInsert:
				body.WriteString("+" + text)
				bCount++
			}
		}
		// An empty side is named by the line before it (POSIX diff -u).
		if aCount == 0 {
			aStart--
		}
		if bCount == 0 {
			bStart--
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n%s", aStart, aCount, bStart, bCount, body.String())
		for _, l := range all[i:end] {
			if l.op != diffmatchpatch.DiffInsert {
				aLine++
			}
			if l.op != diffmatchpatch.DiffDelete {
				bLine++
			}
		}
		i = end
	}
	return out.String()
}

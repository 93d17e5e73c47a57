package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

func init() { register(newFmtCmd) }

func newFmtCmd(s *streams) *cobra.Command {
	var check, diff bool
	cmd := &cobra.Command{
		Use:   "fmt [PATH...]",
		Short: "Rewrite pipeline files in canonical format",
		Long: "Rewrite each file in canonical format (hclwrite layout, one final newline) and\n" +
			"print the names of the files it changed. A directory means every *.dag.hcl\n" +
			"file in it; the default is the current directory. With --check nothing is\n" +
			"written: the files that are not formatted are listed and the exit code is 1.\n" +
			"--diff also prints what changes, as a unified diff.",
	}
	cmd.Flags().BoolVar(&check, "check", false, "only list files that are not formatted; exit 1 if any")
	cmd.Flags().BoolVar(&diff, "diff", false, "print a unified diff of each change")
	cmd.RunE = func(_ *cobra.Command, paths []string) error {
		files, diags := fmtFiles(orDot(paths))
		p := parser.New()
		unformatted := 0
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				diags = append(diags, ir.Diagnostic{Severity: ir.Error, Summary: "Cannot read file", Detail: err.Error()})
				continue
			}
			out, ds := p.FormatFile(f, src)
			if ds.HasErrors() {
				diags = append(diags, ds...)
				continue
			}
			if bytes.Equal(src, out) {
				continue
			}
			unformatted++
			fmt.Fprintln(s.out, f)
			if diff {
				fmt.Fprint(s.out, unifiedDiffLabels(f, f+" (formatted)", string(src), string(out)))
			}
			if !check {
				if err := replaceFile(f, out); err != nil {
					diags = append(diags, ir.Diagnostic{Severity: ir.Error, Summary: "Cannot write file", Detail: err.Error()})
				}
			}
		}
		if len(diags) > 0 {
			p.WriteDiagnostics(s.err, diags)
		}
		if diags.HasErrors() || (check && unformatted > 0) {
			return failed()
		}
		return nil
	}
	return cmd
}

// fmtFiles expands paths: a file stands for itself (any name, so variable
// files can be formatted too), a directory for the *.dag.hcl files in it.
func fmtFiles(paths []string) ([]string, ir.Diagnostics) {
	var files []string
	var diags ir.Diagnostics
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[filepath.Clean(f)] {
			seen[filepath.Clean(f)] = true
			files = append(files, f)
		}
	}
	for _, path := range paths {
		st, err := os.Stat(path)
		if err != nil {
			diags = append(diags, ir.Diagnostic{Severity: ir.Error, Summary: "Cannot read path", Detail: err.Error()})
			continue
		}
		if !st.IsDir() {
			add(path)
			continue
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			diags = append(diags, ir.Diagnostic{Severity: ir.Error, Summary: "Cannot read directory", Detail: err.Error()})
			continue
		}
		var found []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), parser.FileSuffix) {
				found = append(found, filepath.Join(path, e.Name()))
			}
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return files, diags
}

// replaceFile writes data to path atomically (temp file in the same
// directory, then rename), keeping the file's permissions, so an
// interrupted fmt never leaves a half-written pipeline.
func replaceFile(path string, data []byte) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dagc-fmt-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), st.Mode().Perm())
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return werr
}

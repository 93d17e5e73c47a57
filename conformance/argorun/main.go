// Command argorun runs a generated Argo Workflow — or the Workflow a
// CronWorkflow would submit — to completion offline, under Argo Workflows' own
// controller code, and writes the run's trace (DESIGN 5) like the other
// executing engines of the conformance suite.
//
// The controller is Argo's (workflow/controller, pinned in go.mod) built over
// fake clientsets by one file that scripts/setup-argorun.sh adds to a copy of
// the module (_patch/offline.go). This program is the kubelet and the
// executor around it: it runs each pod the controller creates as a local
// process (see kubelet.go) and reports its outputs the way `argoexec wait`
// does.
//
// Usage:
//
//	argorun [-index FILE] [-trace FILE] [-param NAME=VALUE]... [-created TIME] [-timeout D] [-s3-endpoint URL] MANIFEST
//
// Exit status: 0 when the Workflow Succeeded, 1 when it Failed or Errored,
// 2 on usage or harness errors.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

type paramList []string

func (p *paramList) String() string     { return strings.Join(*p, ",") }
func (p *paramList) Set(v string) error { *p = append(*p, v); return nil }

func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == mountHelper {
		// Re-executed inside a private mount namespace (kubelet.go).
		return runMountHelper(args[1:], stderr)
	}
	fs := flag.NewFlagSet("argorun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	indexPath := fs.String("index", "", "test index of the pipeline (backends/argo TestIndex); without it no trace is written")
	tracePath := fs.String("trace", "", "write the run's trace (JSON lines) here")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up on a run that has not completed by then")
	isolate := fs.String("isolate", "auto", "private /tmp and emptyDir mounts per pod: auto (mount namespace when allowed, else path rewriting), mount, rewrite")
	workDir := fs.String("work", "", "directory for the pods' private directories (default: a temporary one)")
	created := fs.String("created", "", "the Workflow's creation time as the API server would stamp it, RFC 3339 (default: now); run.date is its date in the pipeline's timezone")
	s3Endpoint := fs.String("s3-endpoint", "", "serve the S3 endpoint of every artifact location at this `URL` (http://HOST:PORT), as a cluster's DNS would; the bucket and keys are the templates'")
	var params paramList
	fs.Var(&params, "param", "override a workflow parameter, `NAME=VALUE` (as argo submit -p)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || (*tracePath != "" && *indexPath == "") {
		fmt.Fprintln(stderr, "usage: argorun [-index FILE -trace FILE] [-param NAME=VALUE]... MANIFEST")
		return 2
	}
	var createdAt time.Time
	if *created != "" {
		t, err := time.Parse(time.RFC3339, *created)
		if err != nil {
			fmt.Fprintf(stderr, "argorun: -created %q: want an RFC 3339 time\n", *created)
			return 2
		}
		createdAt = t
	}
	manifest, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "argorun:", err)
		return 2
	}
	var idx *index
	if *indexPath != "" {
		if idx, err = readIndex(*indexPath); err != nil {
			fmt.Fprintln(stderr, "argorun:", err)
			return 2
		}
	}
	s3, err := parseS3Endpoint(*s3Endpoint)
	if err != nil {
		fmt.Fprintln(stderr, "argorun:", err)
		return 2
	}
	mode, err := isolationMode(*isolate)
	if err != nil {
		fmt.Fprintln(stderr, "argorun:", err)
		return 2
	}
	dir := *workDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "argorun-"); err != nil {
			fmt.Fprintln(stderr, "argorun:", err)
			return 2
		}
		defer os.RemoveAll(dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	res, err := run(ctx, manifest, params, runOptions{isolation: mode, dir: dir, log: stderr, created: createdAt, s3: s3})
	if err != nil {
		fmt.Fprintln(stderr, "argorun:", err)
		return 2
	}
	fmt.Fprintf(stdout, "workflow %s %s", res.wf.Name, res.wf.Status.Phase)
	if res.wf.Status.Message != "" {
		fmt.Fprintf(stdout, ": %s", res.wf.Status.Message)
	}
	fmt.Fprintln(stdout)
	if *tracePath != "" {
		f, err := os.Create(*tracePath)
		if err != nil {
			fmt.Fprintln(stderr, "argorun:", err)
			return 2
		}
		if err := writeTrace(f, res.wf, idx); err != nil {
			f.Close()
			fmt.Fprintln(stderr, "argorun:", err)
			return 2
		}
		if err := f.Close(); err != nil {
			fmt.Fprintln(stderr, "argorun:", err)
			return 2
		}
	}
	if res.succeeded() {
		return 0
	}
	return 1
}

// Command argolint runs Argo Workflows' own offline strict lint — the code path of
// `argo lint --offline --strict` — on manifest files. It lives in a module of its own so
// that the dagc module does not depend on Argo and its Kubernetes libraries.
//
// Usage: argolint FILE...
// Exit status: 0 when every file lints clean, 1 on any lint error, 2 on usage errors.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/argoproj/argo-workflows/v3/cmd/argo/lint"
	"github.com/argoproj/argo-workflows/v3/pkg/apiclient"
	wf "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow"
)

// allKinds mirrors cmd/argo/commands/lint.go: lint every kind Argo knows.
var allKinds = []string{wf.WorkflowPlural, wf.WorkflowTemplatePlural, wf.CronWorkflowPlural, wf.ClusterWorkflowTemplatePlural}

func main() {
	files := os.Args[1:]
	if len(files) == 0 || files[0] == "-h" || files[0] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: argolint FILE...")
		os.Exit(2)
	}
	ctx := context.Background()
	// Offline: references between manifests (templateRef, workflowTemplateRef) are resolved
	// from the given files, and no cluster or Argo server is contacted.
	ctx, client, err := apiclient.NewClientFromOpts(apiclient.Opts{
		Offline:      true,
		OfflineFiles: files,
		Context:      ctx,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "argolint:", err)
		os.Exit(1)
	}
	// RunLint prints Argo's own messages and exits 1 when any object fails lint.
	err = lint.RunLint(ctx, client, allKinds, "simple", true, lint.LintOptions{
		Files:   files,
		Strict:  true,
		Printer: os.Stdout,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "argolint:", err)
		os.Exit(1)
	}
}

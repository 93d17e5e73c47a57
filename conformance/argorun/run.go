package main

import (
	"context"
	"fmt"
	"io"
	"time"

	apiv1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
	"sigs.k8s.io/yaml"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/workflow/common"
	"github.com/argoproj/argo-workflows/v3/workflow/controller"
	wfutil "github.com/argoproj/argo-workflows/v3/workflow/util"
)

type runOptions struct {
	isolation isolation
	dir       string // the pods' private directories go below it
	log       io.Writer
	// created is the Workflow's creation time (the API server's clock);
	// zero means now.
	created time.Time
	// s3, when set, serves the S3 endpoints of the pods' templates.
	s3 *s3Target
}

type result struct {
	wf *wfv1.Workflow
	// logs: pod node name → the file holding its main container's output.
	logs map[string]string
}

func (r *result) succeeded() bool { return r.wf.Status.Phase == wfv1.WorkflowSucceeded }

// loadWorkflow reads a Workflow manifest, or a CronWorkflow and gives the
// Workflow its schedule would submit (as the cron controller does, with
// common.ConvertCronWorkflowToWorkflowWithProperties).
func loadWorkflow(manifest []byte, now time.Time) (*wfv1.Workflow, error) {
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(manifest, &meta); err != nil {
		return nil, err
	}
	switch meta.Kind {
	case "Workflow":
		var wf wfv1.Workflow
		if err := yaml.UnmarshalStrict(manifest, &wf); err != nil {
			return nil, err
		}
		return &wf, nil
	case "CronWorkflow":
		var cwf wfv1.CronWorkflow
		if err := yaml.UnmarshalStrict(manifest, &cwf); err != nil {
			return nil, err
		}
		// The cron controller names a child <cron-name>-<unix time of the
		// schedule> (workflow/cron getChildWorkflowName).
		name := fmt.Sprintf("%s-%d", cwf.Name, now.Unix())
		wf := common.ConvertCronWorkflowToWorkflowWithProperties(&cwf, name, now)
		wf.Namespace = cwf.Namespace
		return wf, nil
	}
	return nil, fmt.Errorf("kind %q: argorun runs a Workflow or a CronWorkflow", meta.Kind)
}

// run submits the manifest to an offline controller and operates it, with
// the kubelet stand-in running its pods, until the Workflow completes.
func run(ctx context.Context, manifest []byte, params []string, opts runOptions) (*result, error) {
	now := opts.created
	if now.IsZero() {
		now = time.Now()
	}
	wf, err := loadWorkflow(manifest, now)
	if err != nil {
		return nil, err
	}
	if len(params) > 0 {
		// What `argo submit -p NAME=VALUE` does.
		if err := wfutil.ApplySubmitOpts(wf, &wfv1.SubmitOpts{Parameters: params}); err != nil {
			return nil, err
		}
	}
	// What the API server fills in on create.
	if wf.Namespace == "" {
		wf.Namespace = "default"
	}
	if wf.Name == "" {
		wf.Name = wf.GenerateName + utilrand.String(5)
	}
	wf.UID = types.UID(uuid.NewUUID())
	wf.CreationTimestamp = metav1.NewTime(now)

	// The service accounts the pods run as must exist.
	accounts := map[string]bool{"default": true}
	if wf.Spec.ServiceAccountName != "" {
		accounts[wf.Spec.ServiceAccountName] = true
	}
	for _, t := range wf.Spec.Templates {
		if t.ServiceAccountName != "" {
			accounts[t.ServiceAccountName] = true
		}
	}
	var objs []metav1.Object
	for name := range accounts {
		objs = append(objs, &apiv1.ServiceAccount{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: wf.Namespace},
			Secrets:    []apiv1.ObjectReference{{}},
		})
	}
	ctrl, err := controller.NewOffline(objs...)
	if err != nil {
		return nil, err
	}
	defer ctrl.Close()
	wf, err = ctrl.Argo().ArgoprojV1alpha1().Workflows(wf.Namespace).Create(ctx, wf, metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	k := newKubelet(ctrl, wf.Namespace, opts)
	defer k.stop()
	for {
		if err := k.sync(ctx); err != nil {
			return nil, err
		}
		wf, err = ctrl.Operate(ctx, wf)
		if err != nil {
			return nil, err
		}
		if wf.Status.Phase.Completed() {
			k.stop()
			return &result{wf: wf, logs: k.logs}, nil
		}
		if err := k.startPods(ctx); err != nil {
			return nil, err
		}
		// Operate again when a pod changes, and at least every 100 ms
		// (retry backoff and requeues are timers in the controller).
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("workflow %s still %s after the time limit: %w", wf.Name, wf.Status.Phase, ctx.Err())
		case <-k.changed:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

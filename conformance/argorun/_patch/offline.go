package controller

// This file is not part of Argo Workflows. dagc's conformance harness
// (conformance/argorun) copies the pinned Argo module and adds it to this
// package so that a Workflow can be operated offline by the real controller
// code: the controller is built over fake clientsets exactly as
// controller_test.go's newController builds it, and Operate runs one
// reconciliation (woc.operate), the unit the controller's workers run.

import (
	"context"
	"time"

	"github.com/argoproj/pkg/sync"
	apiv1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/argoproj/argo-workflows/v3/config"
	"github.com/argoproj/argo-workflows/v3/persist/sqldb"
	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/pkg/client/clientset/versioned"
	fakewfclientset "github.com/argoproj/argo-workflows/v3/pkg/client/clientset/versioned/fake"
	"github.com/argoproj/argo-workflows/v3/pkg/client/clientset/versioned/scheme"
	wfextv "github.com/argoproj/argo-workflows/v3/pkg/client/informers/externalversions"
	envutil "github.com/argoproj/argo-workflows/v3/util/env"
	armocks "github.com/argoproj/argo-workflows/v3/workflow/artifactrepositories/mocks"
	"github.com/argoproj/argo-workflows/v3/workflow/common"
	controllercache "github.com/argoproj/argo-workflows/v3/workflow/controller/cache"
	"github.com/argoproj/argo-workflows/v3/workflow/controller/entrypoint"
	"github.com/argoproj/argo-workflows/v3/workflow/controller/estimation"
	"github.com/argoproj/argo-workflows/v3/workflow/controller/pod"
	"github.com/argoproj/argo-workflows/v3/workflow/events"
	hydratorfake "github.com/argoproj/argo-workflows/v3/workflow/hydrator/fake"
	"github.com/argoproj/argo-workflows/v3/workflow/metrics"
	"github.com/argoproj/argo-workflows/v3/workflow/util"
)

type offlineRecorders struct{ r record.EventRecorder }

func (o offlineRecorders) Get(string) record.EventRecorder { return o.r }

var _ events.EventRecorderManager = offlineRecorders{}

// Offline is a WorkflowController over fake clientsets with its real
// informers, pod controller, synchronization manager and throttler.
type Offline struct {
	wfc    *WorkflowController
	cancel context.CancelFunc
}

// NewOffline builds the controller as newController (controller_test.go)
// does, with the given objects (service accounts and config maps go to the
// fake Kubernetes clientset).
func NewOffline(coreObjects ...metav1.Object) (*Offline, error) {
	wfclientset := fakewfclientset.NewSimpleClientset()
	dynamicClient := dynamicfake.NewSimpleDynamicClient(scheme.Scheme)
	informerFactory := wfextv.NewSharedInformerFactory(wfclientset, 0)
	ctx, cancel := context.WithCancel(context.Background())
	kube := fake.NewSimpleClientset()
	// Pods and task results reach the informers' stores only through
	// SyncPod and SyncTaskResult, in the order the caller writes them: a
	// watch event delivered late would take a store back to an older
	// object between two reconciliations.
	never := func(k8stesting.Action) (bool, watch.Interface, error) { return true, watch.NewFake(), nil }
	kube.PrependWatchReactor("pods", never)
	wfclientset.PrependWatchReactor("workflowtaskresults", never)
	for _, o := range coreObjects {
		if sa, ok := o.(*apiv1.ServiceAccount); ok {
			if _, err := kube.CoreV1().ServiceAccounts(sa.Namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
				cancel()
				return nil, err
			}
		}
	}
	metadataScheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(metadataScheme); err != nil {
		cancel()
		return nil, err
	}
	metadataClient := metadatafake.NewSimpleMetadataClient(metadataScheme)
	wfc := &WorkflowController{
		Config: config.Config{},
		artifactRepositories: armocks.DummyArtifactRepositories(&wfv1.ArtifactRepository{
			S3: &wfv1.S3ArtifactRepository{
				S3Bucket: wfv1.S3Bucket{Endpoint: "my-endpoint", Bucket: "my-bucket"},
			},
		}),
		cliExecutorLogFormat:      "text",
		kubeclientset:             kube,
		dynamicInterface:          dynamicClient,
		metadataInterface:         metadataClient,
		wfclientset:               wfclientset,
		workflowKeyLock:           sync.NewKeyLock(),
		wfArchive:                 sqldb.NullWorkflowArchive,
		hydrator:                  hydratorfake.Noop,
		estimatorFactory:          estimation.DummyEstimatorFactory,
		eventRecorderManager:      offlineRecorders{record.NewFakeRecorder(1 << 16)},
		archiveLabelSelector:      labels.Everything(),
		cacheFactory:              controllercache.NewCacheFactory(kube, "default"),
		progressPatchTickDuration: envutil.LookupEnvDurationOr(common.EnvVarProgressPatchTickDuration, 1*time.Minute),
		progressFileTickDuration:  envutil.LookupEnvDurationOr(common.EnvVarProgressFileTickDuration, 3*time.Second),
		maxStackDepth:             maxAllowedStackDepth,
		lastWrittenVersions: lastWrittenVersions{
			versions: make(map[types.UID]lastWrittenVersion),
		},
	}

	// As newController: compare to NewWorkflowController.
	var err error
	wfc.metrics, _, err = metrics.CreateDefaultTestMetrics()
	if err != nil {
		cancel()
		return nil, err
	}
	wfc.entrypoint = entrypoint.New(kube, wfc.Config.Images)
	wfc.wfQueue = workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	wfc.throttler = wfc.newThrottler()
	wfc.rateLimiter = wfc.newRateLimiter()

	// As newController: compare to WorkflowController.Run.
	wfc.wfInformer = util.NewWorkflowInformer(dynamicClient, "", 0, wfc.tweakListRequestListOptions, wfc.tweakWatchRequestListOptions, indexers)
	wfc.wfTaskSetInformer = informerFactory.Argoproj().V1alpha1().WorkflowTaskSets()
	wfc.artGCTaskInformer = informerFactory.Argoproj().V1alpha1().WorkflowArtifactGCTasks()
	wfc.taskResultInformer = wfc.newWorkflowTaskResultInformer()
	wfc.wftmplInformer = informerFactory.Argoproj().V1alpha1().WorkflowTemplates()
	_ = wfc.addWorkflowInformerHandlers(ctx)
	wfc.PodController = pod.NewController(ctx, &wfc.Config, wfc.restConfig, "", wfc.kubeclientset, wfc.wfInformer, wfc.metrics, wfc.enqueueWfFromPodLabel)
	wfc.typedConfigMapInformer = wfc.newTypedConfigMapInformer()
	wfc.createSynchronizationManager(ctx)
	if err := wfc.initManagers(ctx); err != nil {
		cancel()
		return nil, err
	}
	go wfc.wfInformer.Run(ctx.Done())
	go wfc.wftmplInformer.Informer().Run(ctx.Done())
	go wfc.PodController.Run(ctx, 0) // zero workers: pods are driven by the caller
	go wfc.wfTaskSetInformer.Informer().Run(ctx.Done())
	go wfc.artGCTaskInformer.Informer().Run(ctx.Done())
	go wfc.taskResultInformer.Run(ctx.Done())
	wfc.cwftmplInformer = informerFactory.Argoproj().V1alpha1().ClusterWorkflowTemplates()
	go wfc.cwftmplInformer.Informer().Run(ctx.Done())
	go wfc.typedConfigMapInformer.Run(ctx.Done())
	for _, c := range []cache.SharedIndexInformer{
		wfc.wfInformer,
		wfc.wftmplInformer.Informer(),
		wfc.PodController.TestingPodInformer(),
		wfc.cwftmplInformer.Informer(),
		wfc.wfTaskSetInformer.Informer(),
		wfc.artGCTaskInformer.Informer(),
		wfc.taskResultInformer,
		wfc.typedConfigMapInformer,
	} {
		for !c.HasSynced() {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return &Offline{wfc: wfc, cancel: cancel}, nil
}

// Close stops the informers.
func (o *Offline) Close() { o.cancel() }

// Kube is the fake Kubernetes clientset the controller creates pods in.
func (o *Offline) Kube() kubernetes.Interface { return o.wfc.kubeclientset }

// Argo is the fake Argo clientset holding Workflows and WorkflowTaskResults.
func (o *Offline) Argo() versioned.Interface { return o.wfc.wfclientset }

// Operate runs one reconciliation of wf, which must exist in Argo(), and
// returns the Workflow as the controller persisted it.
func (o *Offline) Operate(ctx context.Context, wf *wfv1.Workflow) (*wfv1.Workflow, error) {
	woc := newWorkflowOperationCtx(wf, o.wfc)
	woc.operate(ctx)
	return o.wfc.wfclientset.ArgoprojV1alpha1().Workflows(wf.Namespace).Get(ctx, wf.Name, metav1.GetOptions{})
}

// SyncPod puts the current state of a pod into the pod informer's store,
// which is what the informer's watch does on a cluster.
func (o *Offline) SyncPod(p *apiv1.Pod) error {
	return o.wfc.PodController.TestingPodInformer().GetIndexer().Update(p)
}

// SyncTaskResult puts a WorkflowTaskResult into the task-result informer's
// store, which is what the informer's watch does on a cluster.
func (o *Offline) SyncTaskResult(r *wfv1.WorkflowTaskResult) error {
	return o.wfc.taskResultInformer.GetIndexer().Update(r)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	apiv1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/argoproj/argo-workflows/v3/pkg/apis/workflow"
	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/workflow/common"
	"github.com/argoproj/argo-workflows/v3/workflow/controller"
)

// The kubelet stand-in: every pod the controller creates is marked Running,
// its main container's argv runs as a local process with the container's
// env, a private /tmp and its own emptyDir mounts, and when it exits the
// outputs are reported in a WorkflowTaskResult the way `argoexec wait` does
// (cmd/argoexec/commands/wait.go: placeholder result first, SaveParameters,
// ReportOutputs, then the completed label), and the pod gets its container
// statuses and phase.

type isolation int

const (
	// isolateMount gives each pod a mount namespace (unshare -m) in which
	// its private directories are bind-mounted at /tmp and at its emptyDir
	// mount paths, as a container sees them.
	isolateMount isolation = iota
	// isolateRewrite, where mount namespaces are not allowed, rewrites the
	// mount paths in the argv and env to the private directories and sets
	// TMPDIR. A path the program builds itself is not rewritten.
	isolateRewrite
)

func isolationMode(s string) (isolation, error) {
	switch s {
	case "mount":
		return isolateMount, nil
	case "rewrite":
		return isolateRewrite, nil
	case "auto":
		if err := probeMountNamespace(); err != nil {
			return isolateRewrite, nil
		}
		return isolateMount, nil
	}
	return 0, fmt.Errorf("-isolate %q: want auto, mount or rewrite", s)
}

// mountHelper is the first argument with which argorun re-executes itself in
// a new mount namespace to set up a pod's mounts and exec its argv.
const mountHelper = "__argorun-mount"

type mountSpec struct {
	Probe  bool       `json:"probe,omitempty"`
	Mounts []mountMap `json:"mounts"`
	// Dir is the working directory: a path in the container (its
	// workingDir), or with HostDir a host directory.
	Dir     string   `json:"dir"`
	HostDir bool     `json:"host_dir,omitempty"`
	Argv    []string `json:"argv"`
}

type mountMap struct {
	Src string `json:"src"` // host directory
	Dst string `json:"dst"` // path in the container
}

func probeMountNamespace() error {
	spec, _ := json.Marshal(mountSpec{Probe: true})
	cmd := helperCommand(string(spec))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func helperCommand(spec string) *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	cmd := exec.Command(self, mountHelper, spec)
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS, Setpgid: true}
	return cmd
}

// runMountHelper runs in the pod's new mount namespace: it makes every mount
// private (nothing propagates back to the host), bind-mounts the pod's
// directories, and execs the argv, which so keeps the helper's pid.
//
// The helper is argorun itself, whose Argo packages log while they
// initialize: its stdout and stderr are discarded, and the pod's log comes
// in as descriptor 3, moved onto 1 and 2 just before the exec.
func runMountHelper(args []string, stderr io.Writer) int {
	if len(args) == 1 && !strings.Contains(args[0], `"probe":true`) {
		stderr = os.NewFile(3, "pod log")
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "argorun:", err)
		return 64 // the emissary's own error code (Argo reads 64 as an executor error)
	}
	if len(args) != 1 {
		return fail(errors.New("mount helper: want one spec argument"))
	}
	var spec mountSpec
	if err := json.Unmarshal([]byte(args[0]), &spec); err != nil {
		return fail(err)
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fail(fmt.Errorf("making / private: %w", err))
	}
	if spec.Probe {
		return 0
	}
	// The pod's directories may lie below /tmp, which the first mount
	// hides: open them all first and mount them through their descriptors.
	open := func(path string) (int, error) {
		fd, err := syscall.Open(path, oPath|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("open %s: %w", path, err)
		}
		return fd, nil
	}
	fds := make([]int, len(spec.Mounts))
	for i, m := range spec.Mounts {
		fd, err := open(m.Src)
		if err != nil {
			return fail(err)
		}
		fds[i] = fd
	}
	dirFD := -1
	if spec.HostDir {
		fd, err := open(spec.Dir)
		if err != nil {
			return fail(err)
		}
		dirFD = fd
	}
	for i, m := range spec.Mounts {
		if err := os.MkdirAll(m.Dst, 0o755); err != nil {
			return fail(err)
		}
		if err := syscall.Mount(fmt.Sprintf("/proc/self/fd/%d", fds[i]), m.Dst, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
			return fail(fmt.Errorf("bind %s at %s: %w", m.Src, m.Dst, err))
		}
		syscall.Close(fds[i])
	}
	if dirFD >= 0 {
		if err := syscall.Fchdir(dirFD); err != nil {
			return fail(err)
		}
		syscall.Close(dirFD)
	} else {
		// As the container runtime does, a missing workingDir is created.
		if err := os.MkdirAll(spec.Dir, 0o755); err != nil {
			return fail(err)
		}
		if err := os.Chdir(spec.Dir); err != nil {
			return fail(err)
		}
	}
	path, err := lookPath(spec.Argv[0], os.Getenv("PATH"))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 127
	}
	for _, fd := range []int{1, 2} {
		if err := syscall.Dup3(3, fd, 0); err != nil {
			return fail(err)
		}
	}
	syscall.CloseOnExec(3)
	err = syscall.Exec(path, spec.Argv, os.Environ())
	return fail(fmt.Errorf("exec %s: %w", spec.Argv[0], err))
}

// lookPath finds an argv[0] on the container's PATH, as the emissary does.
func lookPath(file, path string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: executable file not found in $PATH", file)
}

type kubelet struct {
	ctrl    *controller.Offline
	ns      string
	opts    runOptions
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	started map[string]bool
	// changed is signalled when a pod changed phase, so the controller
	// operates again at once.
	changed chan struct{}
	errs    []error
	// logs: node name → the file holding its main container's output.
	logs map[string]string
	// podMu orders every write of a pod and every copy into the
	// informer's store, so the store never goes back to an older pod.
	podMu sync.Mutex
}

func newKubelet(ctrl *controller.Offline, ns string, opts runOptions) *kubelet {
	ctx, cancel := context.WithCancel(context.Background())
	return &kubelet{ctrl: ctrl, ns: ns, opts: opts, ctx: ctx, cancel: cancel, started: map[string]bool{}, changed: make(chan struct{}, 1), logs: map[string]string{}}
}

// stop kills the pods still running (a completed Workflow can leave some,
// e.g. after its deadline) and waits for them.
func (k *kubelet) stop() {
	k.cancel()
	k.wg.Wait()
}

// sync puts every pod and task result into the controller's informer
// stores, so that the next operate sees what the API server holds.
func (k *kubelet) sync(ctx context.Context) error {
	k.mu.Lock()
	errs := k.errs
	k.mu.Unlock()
	if len(errs) > 0 {
		return errs[0]
	}
	k.podMu.Lock()
	defer k.podMu.Unlock()
	pods, err := k.ctrl.Kube().CoreV1().Pods(k.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Status.Phase == "" {
			// The API server creates a pod Pending; a pod without a phase
			// would be an unexpected phase (NodeError) to the controller.
			p.Status.Phase = apiv1.PodPending
			if p, err = k.ctrl.Kube().CoreV1().Pods(k.ns).Update(ctx, p, metav1.UpdateOptions{}); err != nil {
				return err
			}
		}
		if err := k.ctrl.SyncPod(p); err != nil {
			return err
		}
	}
	results, err := k.ctrl.Argo().ArgoprojV1alpha1().WorkflowTaskResults(k.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range results.Items {
		if err := k.ctrl.SyncTaskResult(&results.Items[i]); err != nil {
			return err
		}
	}
	return nil
}

// startPods starts every pod the controller created since the last call.
func (k *kubelet) startPods(ctx context.Context) error {
	pods, err := k.ctrl.Kube().CoreV1().Pods(k.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	sort.Slice(pods.Items, func(i, j int) bool { return pods.Items[i].Name < pods.Items[j].Name })
	for i := range pods.Items {
		p := pods.Items[i]
		k.mu.Lock()
		seen := k.started[p.Name]
		k.started[p.Name] = true
		k.mu.Unlock()
		if seen || (p.Status.Phase != "" && p.Status.Phase != apiv1.PodPending) {
			continue
		}
		k.wg.Add(1)
		go func() {
			defer k.wg.Done()
			if err := k.runPod(&p); err != nil {
				k.mu.Lock()
				k.errs = append(k.errs, fmt.Errorf("pod %s: %w", p.Name, err))
				k.mu.Unlock()
			}
			select {
			case k.changed <- struct{}{}:
			default:
			}
		}()
	}
	return nil
}

// podFS is one pod's private directories and where the container sees them.
type podFS struct {
	root   string
	mounts []mountMap // /tmp first, then by path depth
	work   string     // cwd when the container sets no workingDir
}

// hostPath maps a path in the container to the host.
func (fs *podFS) hostPath(p string) string {
	best := -1
	for i, m := range fs.mounts {
		if (p == m.Dst || strings.HasPrefix(p, m.Dst+"/")) && (best < 0 || len(m.Dst) > len(fs.mounts[best].Dst)) {
			best = i
		}
	}
	if best < 0 {
		return p
	}
	return fs.mounts[best].Src + strings.TrimPrefix(p, fs.mounts[best].Dst)
}

// rewrite replaces the container's mount paths in s with the host
// directories (isolateRewrite), longest first.
func (fs *podFS) rewrite(s string) string {
	ms := append([]mountMap(nil), fs.mounts...)
	sort.Slice(ms, func(i, j int) bool { return len(ms[i].Dst) > len(ms[j].Dst) })
	pairs := []string{}
	for _, m := range ms {
		pairs = append(pairs, m.Dst, m.Src)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

func (k *kubelet) podFS(p *apiv1.Pod, main *apiv1.Container) (*podFS, error) {
	fs := &podFS{root: filepath.Join(k.opts.dir, "pods", p.Name)}
	tmp := filepath.Join(fs.root, "tmp")
	fs.work = filepath.Join(fs.root, "work")
	for _, d := range []string{tmp, fs.work} {
		if err := os.MkdirAll(d, 0o777); err != nil {
			return nil, err
		}
	}
	// /tmp is world-writable with the sticky bit, as in an image.
	if err := os.Chmod(tmp, 0o1777); err != nil {
		return nil, err
	}
	fs.mounts = append(fs.mounts, mountMap{Src: tmp, Dst: "/tmp"})
	emptyDirs := map[string]bool{}
	for _, v := range p.Spec.Volumes {
		if v.EmptyDir != nil {
			emptyDirs[v.Name] = true
		}
	}
	var vols []mountMap
	for _, vm := range main.VolumeMounts {
		// var-run-argo carries the executor binary; nothing of the task's
		// lives there.
		if !emptyDirs[vm.Name] || vm.MountPath == common.VarRunArgoPath {
			continue
		}
		src := filepath.Join(fs.root, "volumes", vm.Name, vm.SubPath)
		if err := os.MkdirAll(src, 0o777); err != nil {
			return nil, err
		}
		vols = append(vols, mountMap{Src: src, Dst: filepath.Clean(vm.MountPath)})
	}
	sort.SliceStable(vols, func(i, j int) bool {
		return strings.Count(vols[i].Dst, "/") < strings.Count(vols[j].Dst, "/")
	})
	fs.mounts = append(fs.mounts, vols...)
	return fs, nil
}

func container(p *apiv1.Pod, name string) *apiv1.Container {
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == name {
			return &p.Spec.Containers[i]
		}
	}
	return nil
}

// podTemplate is the template the executor reads: ARGO_TEMPLATE of the
// init container, or the pod's config map when the controller offloaded it
// for its size.
func (k *kubelet) podTemplate(p *apiv1.Pod) (*wfv1.Template, error) {
	text, found := "", false
	for _, c := range append(append([]apiv1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
		for _, e := range c.Env {
			if e.Name == common.EnvVarTemplate {
				text, found = e.Value, true
			}
		}
	}
	if !found {
		cm, err := k.ctrl.Kube().CoreV1().ConfigMaps(p.Namespace).Get(context.Background(), p.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("no %s in the pod, and no config map: %w", common.EnvVarTemplate, err)
		}
		if text, found = cm.Data[common.EnvVarTemplate]; !found {
			return nil, fmt.Errorf("no %s in the pod or its config map", common.EnvVarTemplate)
		}
	}
	var t wfv1.Template
	if err := json.Unmarshal([]byte(text), &t); err != nil {
		return nil, fmt.Errorf("%s: %w", common.EnvVarTemplate, err)
	}
	return &t, nil
}

// mainArgv is what the emissary runs: the container's command after
// `argoexec emissary ... --`, then its args. A script template's source,
// which argoexec init writes to ExecutorScriptSourcePath, is written to a
// private file that takes that path's place.
func mainArgv(c *apiv1.Container, t *wfv1.Template, fs *podFS) ([]string, error) {
	cmd := c.Command
	for i, a := range cmd {
		if a == "--" {
			cmd = cmd[i+1:]
			break
		}
	}
	for _, e := range c.Env {
		if e.Name == common.EnvVarContainerArgsFile {
			return nil, errors.New("the controller offloaded the container's args to a config map, which argorun does not read")
		}
	}
	argv := append(append([]string{}, cmd...), c.Args...)
	if len(argv) == 0 {
		return nil, errors.New("the main container has no command")
	}
	if t.Script != nil {
		src := filepath.Join(fs.root, "script")
		if err := os.WriteFile(src, []byte(t.Script.Source), 0o755); err != nil {
			return nil, err
		}
		for i, a := range argv {
			if a == common.ExecutorScriptSourcePath {
				argv[i] = src
			}
		}
	}
	return argv, nil
}

// containerEnv is the host's PATH and HOME, then the container's env (the
// user's and the controller's ARGO_* variables), with downward-API field
// references resolved.
func containerEnv(p *apiv1.Pod, c *apiv1.Container) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil {
			if e.ValueFrom.FieldRef == nil {
				continue
			}
			v = fieldRef(p, e.ValueFrom.FieldRef.FieldPath)
		}
		env = append(env, e.Name+"="+v)
	}
	return env
}

func fieldRef(p *apiv1.Pod, path string) string {
	switch path {
	case "metadata.name":
		return p.Name
	case "metadata.namespace":
		return p.Namespace
	case "metadata.uid":
		return string(p.UID)
	case "spec.serviceAccountName":
		return p.Spec.ServiceAccountName
	case "spec.nodeName":
		return p.Spec.NodeName
	case "status.podIP", "status.hostIP":
		return "127.0.0.1"
	}
	for _, pre := range []struct {
		prefix string
		m      map[string]string
	}{{"metadata.annotations['", p.Annotations}, {"metadata.labels['", p.Labels}} {
		if strings.HasPrefix(path, pre.prefix) && strings.HasSuffix(path, "']") {
			return pre.m[strings.TrimSuffix(strings.TrimPrefix(path, pre.prefix), "']")]
		}
	}
	return ""
}

type mainResult struct {
	exitCode         int32
	deadlineExceeded bool
	start, end       time.Time
}

// execMain runs the main container's argv and enforces the pod's
// activeDeadlineSeconds, counted from the pod's start as the kubelet does.
func (k *kubelet) execMain(p *apiv1.Pod, c *apiv1.Container, argv []string, fs *podFS, logw *os.File) (mainResult, error) {
	env := containerEnv(p, c)
	dir := c.WorkingDir
	var cmd *exec.Cmd
	switch k.opts.isolation {
	case isolateMount:
		hostDir := dir == ""
		if hostDir {
			dir = fs.work
		}
		spec, err := json.Marshal(mountSpec{Mounts: fs.mounts, Dir: dir, HostDir: hostDir, Argv: argv})
		if err != nil {
			return mainResult{}, err
		}
		cmd = helperCommand(string(spec))
		cmd.Env = env
		cmd.ExtraFiles = []*os.File{logw}
	default:
		for i := range argv {
			argv[i] = fs.rewrite(argv[i])
		}
		for i := range env {
			env[i] = fs.rewrite(env[i])
		}
		env = append(env, "TMPDIR="+fs.hostPath("/tmp"))
		for _, m := range fs.mounts[1:] {
			if err := os.MkdirAll(m.Src, 0o777); err != nil {
				return mainResult{}, err
			}
		}
		if dir == "" {
			dir = fs.work
		}
		pathEnv := ""
		for _, e := range env {
			if v, ok := strings.CutPrefix(e, "PATH="); ok {
				pathEnv = v
			}
		}
		path, err := lookPath(argv[0], pathEnv)
		if err != nil {
			fmt.Fprintln(logw, err)
			now := time.Now()
			return mainResult{exitCode: 127, start: now, end: now}, nil
		}
		cmd = exec.Command(path, argv[1:]...)
		cmd.Args[0] = argv[0]
		cmd.Env = env
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	if cmd.ExtraFiles == nil {
		cmd.Stdout, cmd.Stderr = logw, logw
	}
	res := mainResult{start: time.Now()}
	if err := cmd.Start(); err != nil {
		return res, err
	}
	var deadline <-chan time.Time
	if d := p.Spec.ActiveDeadlineSeconds; d != nil {
		deadline = time.After(time.Duration(*d)*time.Second - time.Since(p.Status.StartTime.Time))
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-deadline:
		res.deadlineExceeded = true
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		werr = <-done
	case <-k.ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		werr = <-done
	}
	res.end = time.Now()
	// Whatever the main process left running in its group dies with the
	// container.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	var ee *exec.ExitError
	switch {
	case werr == nil:
	case errors.As(werr, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.exitCode = 128 + int32(ws.Signal())
		} else {
			res.exitCode = int32(ee.ExitCode())
		}
	default:
		return res, werr
	}
	return res, nil
}

// saveParameters is the executor's SaveParameters: each valueFrom.path
// output is read from the container's filesystem, falling back to its
// default; the first that can be neither fails the wait container. One
// trailing newline is trimmed.
func saveParameters(t *wfv1.Template, fs *podFS) (*wfv1.Outputs, error) {
	out := t.Outputs.DeepCopy()
	for i, param := range out.Parameters {
		if param.ValueFrom == nil || param.ValueFrom.Path == "" {
			continue
		}
		var value *wfv1.AnyString
		data, err := os.ReadFile(filepath.Clean(fs.hostPath(param.ValueFrom.Path)))
		if err != nil {
			if param.ValueFrom.Default == nil {
				return out, err
			}
			value = param.ValueFrom.Default
		} else {
			value = wfv1.AnyStringPtr(string(data))
		}
		out.Parameters[i].Value = wfv1.AnyStringPtr(strings.TrimSuffix(value.String(), "\n"))
	}
	return out, nil
}

func (k *kubelet) updatePod(name string, f func(*apiv1.Pod)) error {
	k.podMu.Lock()
	defer k.podMu.Unlock()
	pods := k.ctrl.Kube().CoreV1().Pods(k.ns)
	p, err := pods.Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	f(p)
	p, err = pods.Update(context.Background(), p, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	return k.ctrl.SyncPod(p)
}

func (k *kubelet) runPod(p *apiv1.Pod) error {
	nodeID, ok := p.Annotations[common.AnnotationKeyNodeID]
	if !ok {
		return errors.New("pod has no node-id annotation")
	}
	wfName := p.Labels[common.LabelKeyWorkflow]
	main := container(p, common.MainContainerName)
	if main == nil {
		return errors.New("pod has no main container")
	}
	tmpl, err := k.podTemplate(p)
	if err != nil {
		return err
	}
	fs, err := k.podFS(p, main)
	if err != nil {
		return err
	}
	start := metav1.Now()
	if err := k.updatePod(p.Name, func(p *apiv1.Pod) {
		p.Status.Phase = apiv1.PodRunning
		p.Status.StartTime = &start
		p.Status.InitContainerStatuses = nil
		for _, c := range p.Spec.InitContainers {
			p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, apiv1.ContainerStatus{
				Name: c.Name, State: apiv1.ContainerState{Terminated: &apiv1.ContainerStateTerminated{Reason: "Completed", StartedAt: start, FinishedAt: start}},
			})
		}
		p.Status.ContainerStatuses = nil
		for _, c := range p.Spec.Containers {
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, apiv1.ContainerStatus{
				Name: c.Name, Ready: true, Started: ptrTo(true), State: apiv1.ContainerState{Running: &apiv1.ContainerStateRunning{StartedAt: start}},
			})
		}
	}); err != nil {
		return err
	}
	p.Status.StartTime = &start
	// argoexec wait: InitializeOutput, a placeholder result not completed.
	results := k.ctrl.Argo().ArgoprojV1alpha1().WorkflowTaskResults(k.ns)
	tr, err := results.Create(context.Background(), &wfv1.WorkflowTaskResult{
		TypeMeta: metav1.TypeMeta{APIVersion: workflow.APIVersion, Kind: workflow.WorkflowTaskResultKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      nodeID,
			Namespace: k.ns,
			Labels: map[string]string{
				common.LabelKeyWorkflow:               wfName,
				common.LabelKeyReportOutputsCompleted: "false",
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	if err := k.ctrl.SyncTaskResult(tr); err != nil {
		return err
	}

	// argoexec init: the input artifacts. When one cannot be loaded the
	// init container fails with the error and the main container never
	// starts.
	if err := k.loadArtifacts(tmpl, fs); err != nil {
		fmt.Fprintf(k.opts.log, "--- pod %s (%s): init failed: %v\n", p.Name, p.Annotations[common.AnnotationKeyNodeName], err)
		now := metav1.Now()
		return k.updatePod(p.Name, func(p *apiv1.Pod) {
			p.Status.Phase = apiv1.PodFailed
			for i := range p.Status.InitContainerStatuses {
				if p.Status.InitContainerStatuses[i].Name == common.InitContainerName {
					p.Status.InitContainerStatuses[i].State = apiv1.ContainerState{Terminated: &apiv1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", Message: err.Error(), StartedAt: start, FinishedAt: now}}
				}
			}
			for i := range p.Status.ContainerStatuses {
				p.Status.ContainerStatuses[i].Ready = false
				p.Status.ContainerStatuses[i].Started = ptrTo(false)
				p.Status.ContainerStatuses[i].State = apiv1.ContainerState{Waiting: &apiv1.ContainerStateWaiting{Reason: "PodInitializing"}}
			}
		})
	}

	logw, err := os.Create(filepath.Join(fs.root, "main.log"))
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.logs[p.Annotations[common.AnnotationKeyNodeName]] = logw.Name()
	k.mu.Unlock()
	var res mainResult
	argv, err := mainArgv(main, tmpl, fs)
	if err == nil {
		res, err = k.execMain(p, main, argv, fs, logw)
	}
	logw.Close()
	if err != nil {
		return err
	}
	if b, err := os.ReadFile(logw.Name()); err == nil {
		fmt.Fprintf(k.opts.log, "--- pod %s (%s): exit %d%s\n%s", p.Name, p.Annotations[common.AnnotationKeyNodeName], res.exitCode, map[bool]string{true: ", deadline exceeded"}[res.deadlineExceeded], b)
	}

	// argoexec wait: SaveParameters, ReportOutputs, FinalizeOutput. A
	// pod killed at its deadline takes its wait container with it.
	var waitErr error
	var outputs *wfv1.Outputs
	if !res.deadlineExceeded {
		outputs, waitErr = saveParameters(tmpl, fs)
		// SaveArtifacts runs after SaveParameters whatever happened; the
		// first error is the wait container's.
		arts, artErr := k.saveArtifacts(tmpl, fs)
		if artErr != nil {
			fmt.Fprintf(k.opts.log, "--- pod %s (%s): saving artifacts: %v\n", p.Name, p.Annotations[common.AnnotationKeyNodeName], artErr)
			if waitErr == nil {
				waitErr = artErr
			}
		}
		if len(arts) > 0 {
			outputs.Artifacts = arts
		}
		tr, err = results.Get(context.Background(), nodeID, metav1.GetOptions{})
		if err != nil {
			return err
		}
		tr.Outputs = outputs
		tr.Labels[common.LabelKeyReportOutputsCompleted] = "true"
		if tr, err = results.Update(context.Background(), tr, metav1.UpdateOptions{}); err != nil {
			return err
		}
		if err := k.ctrl.SyncTaskResult(tr); err != nil {
			return err
		}
	}

	end := metav1.NewTime(res.end)
	mainStart := metav1.NewTime(res.start)
	return k.updatePod(p.Name, func(p *apiv1.Pod) {
		failed := res.exitCode != 0 || waitErr != nil || res.deadlineExceeded
		p.Status.Phase = apiv1.PodSucceeded
		if failed {
			p.Status.Phase = apiv1.PodFailed
		}
		if res.deadlineExceeded {
			p.Status.Reason = "DeadlineExceeded"
			p.Status.Message = "Pod was active on the node longer than the specified deadline"
		}
		for i, cs := range p.Status.ContainerStatuses {
			term := &apiv1.ContainerStateTerminated{StartedAt: mainStart, FinishedAt: end, Reason: "Completed"}
			switch {
			case cs.Name == common.MainContainerName:
				term.ExitCode = res.exitCode
			case cs.Name == common.WaitContainerName && res.deadlineExceeded:
				term.ExitCode = 137
			case cs.Name == common.WaitContainerName && waitErr != nil:
				// HandleError writes the first error as the termination
				// message and the wait container exits 1.
				term.ExitCode = 1
				term.Message = waitErr.Error()
			}
			if term.ExitCode != 0 {
				term.Reason = "Error"
			}
			p.Status.ContainerStatuses[i].Ready = false
			p.Status.ContainerStatuses[i].Started = ptrTo(false)
			p.Status.ContainerStatuses[i].State = apiv1.ContainerState{Terminated: term}
		}
	})
}

func ptrTo[T any](v T) *T { return &v }

// oPath is Linux's O_PATH, which package syscall does not name.
const oPath = 0x200000

package local

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Process supervision on Linux (docs/local.md, "Processes"):
//
//   - dagc is a child subreaper, so a process a task leaves behind (a
//     `setsid cmd &`, a double fork) is re-parented to dagc rather than to
//     init, and dagc reaps it;
//   - each attempt runs in a cgroup v2 of its own where one is writable:
//     when the attempt ends, cgroup.kill ends everything in it, whatever
//     session or group it moved to;
//   - without a cgroup, processes adopted by dagc that carry the attempt's
//     DAGC_RUN_ID, DAGC_TASK and DAGC_INSTANCE get SIGKILL;
//   - a guardian process per run, which is not a descendant of any task,
//     holds the read end of a pipe from dagc: when dagc dies (kill -9) the
//     pipe reads EOF and the guardian kills the run's cgroup, the process
//     groups of the attempts that were running, and every process carrying
//     the run's DAGC_RUN_ID.

// sysProcAttr puts the task in a process group of its own (so it can be
// signalled as a whole, and a terminal's Ctrl-C reaches only dagc) and asks
// the kernel to kill it if dagc itself dies without cleaning up (kill -9).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

const (
	prSetChildSubreaper = 36
	guardianArg         = "__dagc_guardian"
)

// guardianReady is set by Main: the running binary dispatches the guardian
// role and --isolate's helper, so /proc/self/exe can be started as either.
var guardianReady bool

// Main must be called first thing in main (and TestMain) of a program that
// runs pipelines: when the process was started as a run's guardian, it does
// that job and exits.
func Main() {
	if len(os.Args) == 3 && os.Args[1] == guardianArg {
		os.Exit(guardian(os.Args[2], os.Stdin))
	}
	if len(os.Args) >= 2 && os.Args[1] == tmpnsArg {
		os.Exit(tmpnsHelper(os.Args[2:]))
	}
	guardianReady = true
}

// useCgroups can be turned off by tests to exercise the fallback.
var useCgroups = true

type procs struct {
	runID  string
	cgRoot string // the run's cgroup, "" when none is writable
	// Without a cgroup: the instances with an attempt running (by their
	// marks), and the sweeper that kills what finished ones left behind.
	runMu     sync.Mutex
	running   map[string]int
	stopSweep chan struct{}
	swept     chan struct{}
	seq       atomic.Int64
	guard     *exec.Cmd
	guardW    *os.File
	guardMu   sync.Mutex
}

var subreaperOnce sync.Once

func newProcs(runID string, warn func(string, ...any)) *procs {
	pr := &procs{runID: runID}
	subreaperOnce.Do(func() {
		if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); e != 0 {
			warn("dagc: warning: cannot become a child subreaper (%v): processes a task leaves behind may outlive it", e)
		}
	})
	if useCgroups {
		pr.cgRoot = makeRunCgroup(runID)
	}
	if guardianReady {
		pr.startGuardian(warn)
	}
	if pr.cgRoot == "" {
		pr.running = map[string]int{}
		pr.stopSweep, pr.swept = make(chan struct{}), make(chan struct{})
		go pr.sweeper()
	}
	return pr
}

// sweepEvery is how often, without a cgroup, dagc looks for processes
// that finished attempts left behind. Scanning /proc costs milliseconds on
// a busy machine, too much to do after each of thousands of attempts.
const sweepEvery = 250 * time.Millisecond

func (pr *procs) sweeper() {
	defer close(pr.swept)
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-pr.stopSweep:
			return
		case <-t.C:
			pr.sweep()
		}
	}
}

// sweep kills, round after round, the children of dagc that carry the
// run's DAGC_RUN_ID but belong to no running attempt (by DAGC_TASK and
// DAGC_INSTANCE), and reaps them. Killing one hands its own children to
// dagc (its subreaper), so it goes on until a round finds none alive.
func (pr *procs) sweep() {
	self := os.Getpid()
	runMark := "DAGC_RUN_ID=" + pr.runID
	var killed []int
	for round := 0; round < 1000; round++ {
		alive := false
		for _, p := range procList() {
			if p.ppid != self || p.zombie {
				continue
			}
			env := environ(p.pid)
			if !slices.Contains(env, runMark) {
				continue
			}
			key := markKey([]string{runMark, envEntry(env, "DAGC_TASK"), envEntry(env, "DAGC_INSTANCE")})
			pr.runMu.Lock()
			busy := pr.running[key] > 0
			pr.runMu.Unlock()
			if busy {
				continue
			}
			alive = true
			if syscall.Kill(p.pid, syscall.SIGKILL) == nil && !slices.Contains(killed, p.pid) {
				killed = append(killed, p.pid)
			}
		}
		if !alive {
			break
		}
		time.Sleep(time.Millisecond)
	}
	reapKilled(killed)
}

func (pr *procs) setRunning(marks []string, delta int) {
	if pr.running == nil {
		return
	}
	pr.runMu.Lock()
	pr.running[markKey(marks)] += delta
	pr.runMu.Unlock()
}

func markKey(marks []string) string { return strings.Join(marks, "\x00") }

func envEntry(env []string, name string) string {
	for _, e := range env {
		if strings.HasPrefix(e, name+"=") {
			return e
		}
	}
	return name + "="
}

// makeRunCgroup creates a cgroup for the run under dagc's own cgroup v2,
// or returns "" when there is none that is writable and has cgroup.kill.
func makeRunCgroup(runID string) string {
	mount := cgroup2Mount()
	if mount == "" {
		return ""
	}
	own := ""
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if p, ok := strings.CutPrefix(line, "0::"); ok {
				own = p
			}
		}
	}
	dir := filepath.Join(mount, own, fmt.Sprintf("dagc-%s-%d", runID, os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return ""
	}
	if _, err := os.Stat(filepath.Join(dir, "cgroup.kill")); err != nil {
		os.Remove(dir)
		return ""
	}
	return dir
}

func cgroup2Mount() string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE SUPER
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		if fields := strings.Fields(pre); len(fields) >= 5 && fields[3] == "/" {
			return fields[4]
		}
	}
	return ""
}

func (pr *procs) startGuardian(warn func(string, ...any)) {
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	cmd := exec.Command("/proc/self/exe", guardianArg, pr.runID)
	cmd.Stdin = r
	// Its own group: a terminal's Ctrl-C, or a kill of dagc's group, does
	// not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		warn("dagc: warning: cannot start the run's guardian (%v): if dagc is killed, processes tasks left behind may survive it", err)
		return
	}
	pr.guard, pr.guardW = cmd, w
	if pr.cgRoot != "" {
		pr.tell("cg " + pr.cgRoot)
	}
}

// cleanOnDeath has the guardian remove dir (the run's private /tmp
// directories) if dagc dies.
func (pr *procs) cleanOnDeath(dir string) { pr.tell("tmp " + dir) }

// tell sends one line to the guardian.
func (pr *procs) tell(line string) {
	if pr.guardW == nil {
		return
	}
	pr.guardMu.Lock()
	pr.guardW.WriteString(line + "\n")
	pr.guardMu.Unlock()
}

// close ends the guardian (the run is over, nothing to clean up) and
// removes the run's cgroup.
func (pr *procs) close() {
	if pr.stopSweep != nil {
		close(pr.stopSweep)
		<-pr.swept
		pr.sweep() // nothing runs any more: whatever is left goes
	}
	if pr.guard != nil {
		pr.tell("end")
		pr.guardW.Close()
		pr.guard.Wait()
	}
	if pr.cgRoot != "" {
		removeCgroup(pr.cgRoot)
	}
}

// attemptProcs is what an attempt's processes need when it ends.
type attemptProcs struct {
	pid, pgid int
	leaf      string // the attempt's cgroup, "" when none
	marks     []string
}

// start starts cmd with startFn (cmd.Start, or in the attempt's mount
// namespace) in a cgroup of its own when the run has one.
func (pr *procs) start(cmd *exec.Cmd, remake func() *exec.Cmd, marks []string, startFn func(*exec.Cmd) error) (*exec.Cmd, *attemptProcs, error) {
	ap := &attemptProcs{marks: marks}
	if pr.cgRoot != "" {
		leaf := filepath.Join(pr.cgRoot, "a"+strconv.FormatInt(pr.seq.Add(1), 10))
		if err := os.Mkdir(leaf, 0o755); err == nil {
			if fd, err := syscall.Open(leaf, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0); err == nil {
				cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, fd
				ap.leaf = leaf
				defer syscall.Close(fd)
			} else {
				os.Remove(leaf)
			}
		}
	}
	// Counted as running before it exists, so the sweeper never takes the
	// new process for a leftover.
	pr.setRunning(marks, +1)
	err := startFn(cmd)
	if err != nil && ap.leaf != "" {
		// The cgroup refused the process (a kernel without
		// CLONE_INTO_CGROUP): run it without one.
		os.Remove(ap.leaf)
		ap.leaf = ""
		cmd = remake()
		err = startFn(cmd)
	}
	if err != nil {
		pr.setRunning(marks, -1)
		return cmd, nil, err
	}
	ap.pid, ap.pgid = cmd.Process.Pid, cmd.Process.Pid
	pr.tell("+ " + strconv.Itoa(ap.pgid))
	return cmd, ap, nil
}

// signal sends sig to the attempt's process group.
func (pr *procs) signal(ap *attemptProcs, sig syscall.Signal) {
	_ = syscall.Kill(-ap.pgid, sig)
}

// end is called once the attempt's main process has been waited for: it
// kills whatever the attempt left running — its group, and its cgroup — and
// reaps what it killed. Only those: any other child of this program is
// someone else's to wait for. Without a cgroup, what left the group is
// killed by the sweeper; at once when it still holds the log pipe open
// (drained does not close within a moment of the group's end).
func (pr *procs) end(ap *attemptProcs, drained <-chan struct{}) {
	_ = syscall.Kill(-ap.pgid, syscall.SIGKILL)
	if ap.leaf != "" {
		killed := cgroupPids(ap.leaf)
		os.WriteFile(filepath.Join(ap.leaf, "cgroup.kill"), []byte("1"), 0)
		removeCgroup(ap.leaf)
		reapKilled(killed)
	} else if pr.running != nil {
		pr.setRunning(ap.marks, -1)
		select {
		case <-drained:
		case <-time.After(20 * time.Millisecond):
			pr.sweep()
		}
	}
	pr.tell("- " + strconv.Itoa(ap.pgid))
}

func cgroupPids(dir string) []int {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// reapKilled waits for killed processes that dagc, as their subreaper,
// inherited. A process whose parent died with it is handed to dagc when
// that parent exits, so ECHILD is retried a little before giving up.
func reapKilled(pids []int) {
	for _, pid := range pids {
		for k := 0; k < 100; k++ {
			var ws syscall.WaitStatus
			got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
			if got == pid || (err != nil && err != syscall.ECHILD && err != syscall.EINTR) {
				break
			}
			if err == syscall.ECHILD && syscall.Kill(pid, 0) == syscall.ESRCH {
				break // reaped by its own parent
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// removeCgroup waits until a killed cgroup is empty and removes it.
func removeCgroup(dir string) {
	for k := 0; k < 2000; k++ {
		if err := os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		if !populated(dir) && k > 10 {
			// Empty but not removable (a child cgroup left over): leave it.
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func populated(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	return err == nil && bytes.Contains(b, []byte("populated 1"))
}

type procInfo struct {
	pid, ppid int
	zombie    bool
}

// procList reads every process's pid, parent and state from /proc.
func procList() []procInfo {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	out := make([]procInfo, 0, len(ents))
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || i+2 >= len(b) {
			continue
		}
		f := strings.Fields(string(b[i+2:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		out = append(out, procInfo{pid: pid, ppid: ppid, zombie: f[0] == "Z"})
	}
	return out
}

// environ returns the initial environment of a process (empty when it
// cannot be read: another user's, or gone).
func environ(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// guardian is the process that outlives dagc: it reads what dagc tells it
// from in, and when in ends without "end" (dagc died) it kills everything
// the run left running.
func guardian(runID string, in *os.File) int {
	for _, s := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE, syscall.SIGQUIT} {
		signal.Ignore(s)
	}
	cg, tmp := "", ""
	groups := map[int]bool{}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "end":
			return 0
		case strings.HasPrefix(line, "cg "):
			cg = line[3:]
		case strings.HasPrefix(line, "tmp "):
			tmp = line[4:]
		case strings.HasPrefix(line, "+ "):
			if n, err := strconv.Atoi(line[2:]); err == nil {
				groups[n] = true
			}
		case strings.HasPrefix(line, "- "):
			if n, err := strconv.Atoi(line[2:]); err == nil {
				delete(groups, n)
			}
		}
	}
	// dagc is gone.
	if cg != "" {
		os.WriteFile(filepath.Join(cg, "cgroup.kill"), []byte("1"), 0)
	}
	for g := range groups {
		syscall.Kill(-g, syscall.SIGKILL)
	}
	mark := "DAGC_RUN_ID=" + runID
	self := os.Getpid()
	for round := 0; round < 1000; round++ {
		alive := false
		for _, p := range procList() {
			if p.pid == self || p.zombie || !slices.Contains(environ(p.pid), mark) {
				continue
			}
			alive = true
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
		if !alive {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if cg != "" {
		if ents, err := os.ReadDir(cg); err == nil {
			for _, e := range ents {
				if e.IsDir() {
					removeCgroup(filepath.Join(cg, e.Name()))
				}
			}
		}
		removeCgroup(cg)
	}
	if tmp != "" {
		// Nothing runs any more that could write there.
		removeAll(tmp)
	}
	return 0
}

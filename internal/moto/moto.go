// Package moto starts moto's server (an AWS API stand-in installed by
// scripts/setup-moto.sh) on loopback, for tests and the conformance suite:
// S3 for artifacts, the Step Functions API for executions.
package moto

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Server is one moto server process.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:PORT.
	URL string
	cmd *exec.Cmd
}

// Binary is moto_server in the dagc cache (DAGC_CACHE, else
// ~/.cache/dagc), or "" when it is not installed.
func Binary() string {
	cache := os.Getenv("DAGC_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		cache = filepath.Join(home, ".cache", "dagc")
	}
	bin := filepath.Join(cache, "moto-venv", "bin", "moto_server")
	if _, err := os.Stat(bin); err != nil {
		return ""
	}
	return bin
}

// Start runs moto_server on a free loopback port and waits until it
// answers. Its output goes to log (nil: discarded).
func Start(bin string, log *os.File) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if log != nil {
		cmd.Stdout, cmd.Stderr = log, log
	}
	// Its own group, so Close stops the server and anything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Close()
	return nil, errors.New("moto_server did not answer within 60s")
}

// ErrNotInstalled is returned by StartWithBucket when moto is not in the
// dagc cache.
var ErrNotInstalled = errors.New("moto is not installed (bash scripts/setup-moto.sh, run by scripts/setup-tools.sh)")

// StartWithBucket starts the server from the dagc cache and makes bucket.
func StartWithBucket(bucket string) (*Server, error) {
	bin := Binary()
	if bin == "" {
		return nil, ErrNotInstalled
	}
	s, err := Start(bin, nil)
	if err != nil {
		return nil, err
	}
	if err := s.CreateBucket(bucket); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Env is the environment that points the AWS SDKs at the server.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Close stops the server.
func (s *Server) Close() {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		_ = s.cmd.Wait()
	}
}

// CreateBucket makes an S3 bucket: a path-style, unsigned PUT, which moto
// accepts, so no SDK is needed here.
func (s *Server) CreateBucket(name string) error {
	req, err := http.NewRequest(http.MethodPut, s.URL+"/"+name, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("creating bucket %s: %s", name, resp.Status)
	}
	return nil
}

// AirflowConn is the environment entry that defines an Airflow AWS
// connection with this id pointing at the server.
func (s *Server) AirflowConn(connID string) string {
	conn := fmt.Sprintf(`{"conn_type": "aws", "login": "testing", "password": "testing", "extra": {"endpoint_url": %q, "region_name": "us-east-1"}}`, s.URL)
	return "AIRFLOW_CONN_" + strings.ToUpper(connID) + "=" + conn
}

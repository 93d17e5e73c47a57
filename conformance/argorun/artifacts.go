package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	argoerrs "github.com/argoproj/argo-workflows/v3/errors"
	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/util/archive"
	"github.com/argoproj/argo-workflows/v3/util/file"
	"github.com/argoproj/argo-workflows/v3/workflow/artifacts/s3"
	"github.com/argoproj/argo-workflows/v3/workflow/common"
)

// The executor's artifact driver, for S3 artifacts: `argoexec init` loads
// each input artifact before the main container starts (LoadArtifacts),
// `argoexec wait` saves each output artifact after it exits, whatever its
// exit code (SaveArtifacts, stageArchiveFile, saveArtifactFromFile), both
// in workflow/executor/executor.go. The locations are the ones the
// controller put into the pod's template (ARGO_TEMPLATE): a key-only
// artifact takes the template's archiveLocation (Artifact.Relocate, as
// newDriverArt does), and the transfer is Argo's own S3 driver
// (workflow/artifacts/s3) and archiver (util/archive). Two things differ
// from a cluster, both by necessity:
//
//   - the endpoint: with -s3-endpoint, the host the template names is
//     served by that URL (moto's server on loopback in the suite), as a
//     cluster's DNS would resolve it; the bucket and key are the template's.
//   - credentials: the fake API server holds no Secrets and there is no
//     instance role, so the driver signs with AWS_ACCESS_KEY_ID and
//     AWS_SECRET_ACCESS_KEY from the environment, else a fixed test key.

// s3Target is where S3 requests go when -s3-endpoint is set.
type s3Target struct {
	host   string // host:port
	secure bool
}

func parseS3Endpoint(s string) (*s3Target, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("-s3-endpoint %q: want http://HOST:PORT or https://HOST:PORT", s)
	}
	return &s3Target{host: u.Host, secure: u.Scheme == "https"}, nil
}

// driverFor returns the S3 driver and the relocated artifact of art.
func (k *kubelet) driverFor(t *wfv1.Template, art *wfv1.Artifact) (*s3.ArtifactDriver, *wfv1.Artifact, error) {
	driverArt := art.DeepCopy()
	if err := driverArt.Relocate(t.ArchiveLocation); err != nil {
		return nil, nil, err
	}
	if driverArt.S3 == nil {
		return nil, nil, fmt.Errorf("artifact %q is not an S3 artifact; argorun plays only Argo's S3 driver", art.Name)
	}
	b := driverArt.S3
	if b.Endpoint == "" || b.Bucket == "" {
		return nil, nil, fmt.Errorf("artifact %q has no S3 endpoint or bucket (template archiveLocation %v)", art.Name, t.ArchiveLocation)
	}
	d := &s3.ArtifactDriver{Endpoint: b.Endpoint, Region: b.Region, Secure: b.Insecure == nil || !*b.Insecure, Context: k.ctx}
	if tg := k.opts.s3; tg != nil {
		d.Endpoint, d.Secure = tg.host, tg.secure
	}
	d.AccessKey, d.SecretKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if d.AccessKey == "" || d.SecretKey == "" {
		d.AccessKey, d.SecretKey = "argorun", "argorun-secret"
	}
	return d, driverArt, nil
}

// loadArtifacts is LoadArtifacts: every input artifact is downloaded to
// ARTPATH.tmp, then un-archived (or renamed) to its path. An optional one
// that was not supplied or is not found is skipped. Only paths inside one
// of the main container's volumes are supported (the init container
// extracts them into that volume); dagc puts its inputs there.
func (k *kubelet) loadArtifacts(t *wfv1.Template, fs *podFS) error {
	for _, art := range t.Inputs.Artifacts {
		if !art.HasLocationOrKey() {
			if art.Optional {
				continue
			}
			return argoerrs.Errorf(argoerrs.CodeNotFound, "required artifact '%s' not supplied", art.Name)
		}
		if err := art.CleanPath(); err != nil {
			return err
		}
		if common.FindOverlappingVolume(t, art.Path) == nil {
			return fmt.Errorf("input artifact %q at %s is not inside a volume mount, which argorun does not stage", art.Name, art.Path)
		}
		d, driverArt, err := k.driverFor(t, &art)
		if err != nil {
			return fmt.Errorf("failed to load artifact '%s': %w", art.Name, err)
		}
		artPath := fs.hostPath(art.Path)
		tempArtPath := artPath + ".tmp"
		if err := os.MkdirAll(filepath.Dir(tempArtPath), 0o700); err != nil {
			return fmt.Errorf("failed to create artifact temporary parent directory %s: %w", filepath.Dir(tempArtPath), err)
		}
		if err := d.Load(driverArt, tempArtPath); err != nil {
			if art.Optional && argoerrs.IsCode(argoerrs.CodeNotFound, err) {
				continue
			}
			return fmt.Errorf("artifact %s failed to load: %w", art.Name, err)
		}
		isTar := false
		switch a := art.GetArchive(); {
		case a.None != nil:
		case a.Tar != nil:
			isTar = true
		case a.Zip != nil:
			return fmt.Errorf("artifact %s: argorun does not unzip", art.Name)
		default:
			if isTar, err = isTarball(tempArtPath); err != nil {
				return err
			}
		}
		if isTar {
			err = untar(tempArtPath, artPath)
			_ = os.Remove(tempArtPath)
		} else {
			err = os.Rename(tempArtPath, artPath)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// saveArtifacts is SaveArtifacts for artifacts in the main container's
// volumes (the mirrored volume mount case of stageArchiveFile): each is
// archived as tar+gzip (the default strategy) or taken as it is (archive:
// none) and uploaded to its key; an optional one that does not exist is
// skipped. Every artifact is tried; the errors are joined as the executor
// joins them.
func (k *kubelet) saveArtifacts(t *wfv1.Template, fs *podFS) (wfv1.Artifacts, error) {
	saved := wfv1.Artifacts{}
	if len(t.Outputs.Artifacts) == 0 {
		return saved, nil
	}
	staging := filepath.Join(fs.root, "outputs-artifacts")
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return saved, err
	}
	aggregate := ""
	for _, art := range t.Outputs.Artifacts {
		ok, err := k.saveArtifact(t, fs, staging, &art)
		if err != nil {
			aggregate += err.Error() + "; "
		}
		if ok {
			saved = append(saved, art)
		}
	}
	if aggregate != "" {
		return saved, fmt.Errorf("%s", aggregate)
	}
	return saved, nil
}

func (k *kubelet) saveArtifact(t *wfv1.Template, fs *podFS, staging string, art *wfv1.Artifact) (bool, error) {
	if err := art.CleanPath(); err != nil {
		return false, err
	}
	if common.FindOverlappingVolume(t, art.Path) == nil {
		return false, fmt.Errorf("output artifact %q at %s is not inside a volume mount; argorun has no base-image layer to copy it from", art.Name, art.Path)
	}
	strategy := art.Archive
	if strategy == nil {
		strategy = &wfv1.ArchiveStrategy{Tar: &wfv1.TarStrategy{}}
	}
	src := fs.hostPath(art.Path)
	var local string
	switch {
	case strategy.None != nil:
		if !file.Exists(src) {
			if art.Optional {
				return false, nil
			}
			return false, argoerrs.Errorf(argoerrs.CodeNotFound, "%s no such file or directory", art.Path)
		}
		local = src
	case strategy.Zip != nil:
		return false, fmt.Errorf("artifact %s: argorun does not zip", art.Name)
	default:
		level := gzip.DefaultCompression
		if l := strategy.Tar.CompressionLevel; l != nil {
			level = int(*l)
		}
		local = filepath.Join(staging, art.Name+".tgz")
		f, err := os.Create(local)
		if err != nil {
			return false, argoerrs.InternalWrapError(err)
		}
		w := bufio.NewWriter(f)
		err = archive.TarGzToWriter(src, level, w)
		f.Close()
		if err != nil {
			if art.Optional && argoerrs.IsCode(argoerrs.CodeNotFound, err) {
				return false, nil
			}
			return false, err
		}
	}
	if !art.HasKey() {
		return false, fmt.Errorf("output artifact %q has no key; dagc always gives one", art.Name)
	}
	d, driverArt, err := k.driverFor(t, art)
	if err != nil {
		return false, err
	}
	if err := d.Save(local, driverArt); err != nil {
		return false, err
	}
	return true, nil
}

// isTarball and untar are the executor's (workflow/executor/executor.go),
// unexported there: gzip then one tar header means a tarball; extraction
// goes to DEST.tmpdir, whose only entry (or itself, with several) is then
// renamed to DEST.
func isTarball(filePath string) (bool, error) {
	f, err := os.Open(filepath.Clean(filePath))
	if err != nil {
		return false, err
	}
	defer f.Close()
	gzr, err := gzip.NewReader(f)
	if err != nil {
		return false, nil
	}
	defer gzr.Close()
	_, err = tar.NewReader(gzr).Next()
	return err == nil, nil
}

func untar(tarPath, destPath string) error {
	tmpDir := destPath + ".tmpdir"
	if err := os.MkdirAll(tmpDir, os.ModePerm); err != nil {
		return err
	}
	if err := extract(tarPath, tmpDir); err != nil {
		return err
	}
	files, err := os.ReadDir(tmpDir)
	if err != nil {
		return err
	}
	if len(files) == 1 {
		if err := os.Rename(path.Join(tmpDir, files[0].Name()), destPath); err != nil {
			return err
		}
		return os.Remove(tmpDir)
	}
	return os.Rename(tmpDir, destPath)
}

func extract(src, dest string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	gzr, err := file.GetGzipReader(f)
	if err != nil {
		return err
	}
	defer gzr.Close()
	tr := tar.NewReader(gzr)
	for {
		header, err := tr.Next()
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		case header == nil:
			continue
		}
		target := filepath.Join(dest, filepath.Clean(header.Name))
		if !strings.HasPrefix(target, filepath.Clean(dest)+string(os.PathSeparator)) {
			return fmt.Errorf("illegal file path: %s", header.Name)
		}
		switch header.Typeflag {
		case tar.TypeSymlink:
			linkTarget := header.Linkname
			if !filepath.IsAbs(linkTarget) {
				linkTarget = filepath.Join(filepath.Dir(target), header.Linkname)
			}
			if !strings.HasPrefix(filepath.Clean(linkTarget), filepath.Clean(dest)+string(os.PathSeparator)) {
				return fmt.Errorf("illegal symlink target: %s -> %s", header.Name, header.Linkname)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(header.Linkname, target); err != nil {
				return err
			}
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_RDWR, os.FileMode(header.Mode))
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
			if err := os.Chtimes(target, header.AccessTime, header.ModTime); err != nil {
				return err
			}
		}
	}
}

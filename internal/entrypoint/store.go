package entrypoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/dagc-dev/dagc/ir"
)

// NewStore opens the storage a task's artifacts live in.
func NewStore(ctx context.Context, st ir.Storage) (Store, error) {
	if st.Scheme == "file" {
		return fileStore{}, nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		// An S3-compatible server on another endpoint (AWS_ENDPOINT_URL_S3)
		// rarely resolves bucket host names: address buckets by path.
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
		// Servers that send no checksum are told about on every read.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	return &s3Store{client: client, bucket: st.Bucket}, nil
}

// maxPutBytes is the largest object one PutObject stores (S3's limit).
const maxPutBytes = 5 << 30

type s3Store struct {
	client *s3.Client
	bucket string
}

func (s *s3Store) Put(ctx context.Context, key, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() > maxPutBytes {
		return fmt.Errorf("%s is %d bytes, over the 5 GiB a single S3 PutObject stores", filepath.Base(file), fi.Size())
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key), Body: f, ContentLength: aws.Int64(fi.Size())})
	return err
}

func (s *s3Store) PutBytes(ctx context.Context, key string, data []byte) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key), Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data)))})
	return err
}

func (s *s3Store) open(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		var nk *types.NoSuchKey
		if errors.As(err, &nk) {
			return nil, fmt.Errorf("%w: %v", fs.ErrNotExist, err)
		}
		return nil, err
	}
	return out.Body, nil
}

func (s *s3Store) Get(ctx context.Context, key, file string) error {
	body, err := s.open(ctx, key)
	if err != nil {
		return err
	}
	defer body.Close()
	return writeNew(file, body)
}

// writeNew creates file, which must not exist, with what r holds.
func writeNew(file string, r io.Reader) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *s3Store) GetBytes(ctx context.Context, key string) ([]byte, error) {
	body, err := s.open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return io.ReadAll(body)
}

func (s *s3Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

// fileStore is a file:// storage: keys are absolute slash paths, and a
// file is stored by writing a temporary file beside it and renaming it.
type fileStore struct{}

func (fileStore) Put(_ context.Context, key, file string) error {
	in, err := os.Open(file)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeAtomic(filepath.FromSlash(key), in)
}

func (fileStore) PutBytes(_ context.Context, key string, data []byte) error {
	return writeAtomic(filepath.FromSlash(key), bytes.NewReader(data))
}

func writeAtomic(dst string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".dagc-upload-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

func (fileStore) Get(_ context.Context, key, file string) error {
	in, err := os.Open(filepath.FromSlash(key))
	if err != nil {
		return err
	}
	defer in.Close()
	return writeNew(file, in)
}

func (fileStore) GetBytes(_ context.Context, key string) ([]byte, error) {
	return os.ReadFile(filepath.FromSlash(key))
}

func (fileStore) List(_ context.Context, prefix string) ([]string, error) {
	var keys []string
	root := filepath.FromSlash(strings.TrimSuffix(prefix, "/"))
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			keys = append(keys, filepath.ToSlash(p))
		}
		return nil
	})
	return keys, err
}

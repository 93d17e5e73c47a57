package argo

import (
	"time"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

func lit(s string) ir.Str { return ir.Lit(s) }

func cat(parts ...any) ir.Str {
	var s ir.Str
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			s.Parts = append(s.Parts, ir.Part{Lit: v})
		case *ir.Ref:
			s.Parts = append(s.Parts, ir.Part{Ref: v})
		}
	}
	return s
}

func cmd(args ...any) []ir.Str {
	out := make([]ir.Str, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = lit(v)
		case ir.Str:
			out[i] = v
		case *ir.Ref:
			out[i] = cat(v)
		}
	}
	return out
}

func paramRef(n string) *ir.Ref          { return &ir.Ref{Kind: ir.RefParam, Name: n} }
func outRef(task, n string) *ir.Ref      { return &ir.Ref{Kind: ir.RefOutput, Task: task, Name: n} }
func one(in *ir.Instance) []*ir.Instance { return []*ir.Instance{in} }

// mlPipeline is the DESIGN section 2 example, built by hand.
func mlPipeline() *ir.Pipeline {
	img := "python:3.12-slim"
	retry := ir.Retry{Attempts: 2, Delay: 30 * time.Second, Backoff: 2, MaxDelay: 10 * time.Minute}
	env := []ir.EnvVar{{Name: "LOG_LEVEL", Value: lit("info")}}
	argo := []*ir.Settings{settings.Block("argo", ir.LevelPipeline, map[string]any{"namespace": "ml", "service_account": "pipeline-runner"})}
	script := cat("python evaluate.py --models '[\"xgb\",\"rf\",\"lr\"]'\n")
	var train []*ir.Instance
	for i, m := range []string{"xgb", "rf", "lr"} {
		_ = i
		train = append(train, &ir.Instance{Key: m, Value: m, Image: img, Env: env,
			Command: cmd("python", "train.py", "--model", m, "--rows", outRef("process", "rows"))})
	}
	score := &ir.Cond{Op: ir.CondAnd, Args: []*ir.Cond{
		{Op: ir.CondCompare, Cmp: ir.Ge, Left: ir.Operand{Ref: outRef("evaluate", "score")}, Right: ir.Operand{Lit: "0.9", LitKind: ir.LitNumber}, Numeric: true},
		{Op: ir.CondCompare, Cmp: ir.Ne, Left: ir.Operand{Ref: paramRef("dataset")}, Right: ir.Operand{Lit: "", LitKind: ir.LitString}},
	}}
	return &ir.Pipeline{
		Name: "ml_training", Description: "Process data, train three models in parallel, serve the best.",
		Schedule: "0 3 * * *", Timezone: "Europe/Berlin", StartDate: "2026-01-01", Concurrency: 4,
		Timeout: 6 * time.Hour, Tags: []string{"ml", "nightly"}, Settings: argo,
		Params: []*ir.Param{{Name: "dataset", Type: ir.ParamString, Default: "data/raw.csv", HasDefault: true}},
		Tasks: []*ir.Task{
			{Name: "process", Trigger: ir.AllSuccess, Retry: retry, Timeout: time.Hour, Outputs: []string{"rows"},
				Instances: one(&ir.Instance{Image: img, Env: env, Command: cmd("python", "process.py", "--in", paramRef("dataset"), "--out", "artifacts/ml_training")})},
			{Name: "train", Trigger: ir.AllSuccess, ForEach: true, Upstream: []string{"process"}, Retry: retry, Timeout: 2 * time.Hour,
				Resources: ir.Resources{CPU: "2", Memory: "4Gi", GPU: 1}, Outputs: []string{"accuracy"}, Instances: train},
			{Name: "evaluate", Trigger: ir.AllSuccess, Upstream: []string{"train"}, Retry: retry, Timeout: time.Hour, Outputs: []string{"best", "score"},
				Instances: one(&ir.Instance{Image: img, Env: env, Script: &script, Shell: []string{"sh", "-euc"}})},
			{Name: "serve", Trigger: ir.AllSuccess, Upstream: []string{"evaluate"}, When: score, Retry: retry, Timeout: time.Hour,
				Instances: one(&ir.Instance{Image: img, Env: env, Command: cmd("python", "serve.py", "--model", outRef("evaluate", "best"))})},
			{Name: "cleanup", Trigger: ir.AllDone, Upstream: []string{"serve"}, Retry: retry, Timeout: time.Hour,
				Instances: one(&ir.Instance{Image: img, Env: env, Command: cmd("rm", "-rf", "tmp/")})},
		},
	}
}

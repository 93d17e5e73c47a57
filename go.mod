module github.com/dagc-dev/dagc

go 1.26.8

require (
	github.com/sergi/go-diff v1.4.0
	github.com/spf13/cobra v1.10.2
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)

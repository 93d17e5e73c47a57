package entrypoint

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// StepFunctions reports to the Step Functions API through the AWS SDK for
// Go, configured as every AWS tool is: the container's role or
// AWS_* variables, AWS_REGION, and AWS_ENDPOINT_URL(_SFN) for another
// endpoint. The SDK retries throttling and transient errors itself.
type StepFunctions struct{ client *sfn.Client }

// NewStepFunctions loads the default AWS configuration.
func NewStepFunctions(ctx context.Context) (*StepFunctions, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	return &StepFunctions{client: sfn.NewFromConfig(cfg)}, nil
}

// Success implements Reporter with SendTaskSuccess.
func (s *StepFunctions) Success(ctx context.Context, token, output string) error {
	_, err := s.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(output)})
	return err
}

// Failure implements Reporter with SendTaskFailure.
func (s *StepFunctions) Failure(ctx context.Context, token, errorName, cause string) error {
	_, err := s.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String(errorName), Cause: aws.String(cause)})
	return err
}

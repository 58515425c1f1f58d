package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const assets = "s3://shop-assets/img/"

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background(), config.WithRegion("eu-central-1"))
	_ = s3.NewFromConfig(cfg)
	// the instance's own region, from the metadata service
	http.Get("http://169.254.169.254/latest/meta-data/placement/region")
}

package main

import (
	"fmt"
	"io"

	"github.com/whatsapp-saas/gateway/internal/api"
)

// writeAPIDocs prints the OpenAPI document or the Postman collection made
// from it, for the API version the environment configures (API_VERSION).
func writeAPIDocs(what string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	apiVersion := "v1"
	if v, ok := lookup("API_VERSION"); ok && v != "" {
		apiVersion = v
	}
	doc, err := api.OpenAPIDocument(apiVersion, version)
	if err == nil && what == "postman" {
		doc, err = api.PostmanCollection(doc)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gateway: %s: %v\n", what, err)
		return 1
	}
	_, _ = stdout.Write(append(doc, '\n'))
	return 0
}

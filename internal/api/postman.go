package api

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// PostmanCollection converts an OpenAPI document of this API into a Postman
// collection (v2.1): one folder per tag, one request per operation with its
// example body, {{baseUrl}} and {{token}} as collection variables, and path
// parameters as :name variables.
func PostmanCollection(openapi []byte) ([]byte, error) {
	var doc struct {
		Info struct {
			Title       string `json:"title"`
			Version     string `json:"version"`
			Description string `json:"description"`
		} `json:"info"`
		Paths map[string]map[string]struct {
			OperationID string           `json:"operationId"`
			Summary     string           `json:"summary"`
			Description string           `json:"description"`
			Tags        []string         `json:"tags"`
			Security    []map[string]any `json:"security"`
			Parameters  []struct {
				Name    string `json:"name"`
				In      string `json:"in"`
				Example any    `json:"example"`
			} `json:"parameters"`
			RequestBody *struct {
				Content map[string]struct {
					Example any `json:"example"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapi, &doc); err != nil {
		return nil, fmt.Errorf("read openapi document: %w", err)
	}
	folders := map[string][]any{}
	for _, path := range sortedKeys(doc.Paths) {
		item := doc.Paths[path]
		for _, method := range sortedKeys(item) {
			op := item[method]
			segs := strings.Split(strings.Trim(path, "/"), "/")
			var vars []any
			for i, s := range segs {
				if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
					name := s[1 : len(s)-1]
					segs[i] = ":" + name
					vars = append(vars, map[string]any{"key": name, "value": ""})
				}
			}
			if len(segs) == 1 && segs[0] == "" {
				segs = []string{}
			}
			var query []any
			for _, p := range op.Parameters {
				if p.In == "query" {
					v := ""
					if p.Example != nil {
						v = fmt.Sprint(p.Example)
					}
					query = append(query, map[string]any{"key": p.Name, "value": v, "disabled": p.Example == nil})
				}
			}
			raw := "{{baseUrl}}/" + strings.Join(segs, "/")
			url := map[string]any{"raw": raw, "host": []string{"{{baseUrl}}"}, "path": segs}
			if vars != nil {
				url["variable"] = vars
			}
			if query != nil {
				url["query"] = query
			}
			req := map[string]any{
				"method": strings.ToUpper(method), "url": url,
				"header":      []any{map[string]any{"key": "Accept", "value": "application/json"}},
				"description": strings.TrimSpace(op.Summary + "\n\n" + op.Description),
			}
			if len(op.Security) == 0 {
				req["auth"] = map[string]any{"type": "noauth"}
			}
			if op.RequestBody != nil {
				if c, ok := op.RequestBody.Content["application/json"]; ok {
					b, _ := json.MarshalIndent(c.Example, "", "  ")
					req["body"] = map[string]any{"mode": "raw", "raw": string(b),
						"options": map[string]any{"raw": map[string]any{"language": "json"}}}
					req["header"] = append(req["header"].([]any), map[string]any{"key": "Content-Type", "value": "application/json"})
				}
			}
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			folders[tag] = append(folders[tag], map[string]any{"name": op.Summary, "request": req})
		}
	}
	tags := make([]string, 0, len(folders))
	for t := range folders {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	items := make([]any, 0, len(tags))
	for _, t := range tags {
		items = append(items, map[string]any{"name": t, "item": folders[t]})
	}
	col := map[string]any{
		"info": map[string]any{
			"name":        doc.Info.Title,
			"description": doc.Info.Description,
			"version":     doc.Info.Version,
			"schema":      "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
		},
		"auth": map[string]any{"type": "bearer", "bearer": []any{map[string]any{"key": "token", "value": "{{token}}", "type": "string"}}},
		"variable": []any{
			map[string]any{"key": "baseUrl", "value": "http://localhost:3000"},
			map[string]any{"key": "token", "value": ""},
		},
		"item": items,
	}
	return json.MarshalIndent(col, "", "  ")
}

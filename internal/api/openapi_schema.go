package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
)

// schemaGen turns Go types into JSON Schema (2020-12, as OpenAPI 3.1 uses
// it). The document is derived from the very structs the handlers encode
// and decode, so a field added to a type shows up in the document without
// anyone remembering to edit it.
type schemaGen struct {
	components map[string]any
	names      map[reflect.Type]string
	// requests are the types decoded from request bodies: unknown fields
	// are refused there, so the schema says additionalProperties: false.
	requests map[reflect.Type]bool
}

func newSchemaGen() *schemaGen {
	return &schemaGen{components: map[string]any{}, names: map[reflect.Type]string{}, requests: map[reflect.Type]bool{}}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// enums are the closed sets of string values, so clients can switch on them.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[gateway.SessionStatus]():  {"created", "starting", "qr_pending", "connected", "disconnected", "reconnecting", "logged_out", "failed", "stopped"},
	reflect.TypeFor[gateway.InstanceStatus](): {"pending", "starting", "running", "restarting", "stopped", "failed", "lost"},
	reflect.TypeFor[gateway.MessageStatus]():  {"scheduled", "canceled", "queued", "sent", "delivered", "read", "played", "failed", "received"},
	reflect.TypeFor[gateway.MessageType]():    {"text", "image", "video", "audio", "document", "location", "contact", "reaction", "edit", "revoke", "sticker", "poll", "poll_vote", "interactive_reply", "unknown"},
	reflect.TypeFor[gateway.Code]():           codeNames(),
}

// codeNames are the error codes as the document lists them.
func codeNames() []string {
	var out []string
	for _, c := range gateway.Codes() {
		out = append(out, string(c))
	}
	return out
}

// fieldOverride replaces the schema of fields whose Go type says less than
// the wire does (raw JSON holding a known shape).
func (g *schemaGen) fieldOverride(key string) (map[string]any, bool) {
	switch key {
	case "gateway.Message.Payload":
		return g.of(reflect.TypeFor[gateway.MessagePayload]()), true
	case "gateway.Event.Data":
		return map[string]any{"description": "The event's data: a message, or a status change of a message, session or instance, or a QR code."}, true
	case "gateway.Webhook.Headers":
		return map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"},
			"description": "Custom headers sent with every delivery. Their values are answered masked (\"••••\", or the first two " +
				"characters and \"••••\" for a long value), to every reader: a header is often the receiver's credential. " +
				"Deliveries send the values in full."}, true
	case "api.sendRequest.Mentions":
		return map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "maxItems": 1024,
			"description": "People mentioned in the text or in the caption of an image, video or document: numbers or user JIDs " +
				"(any recipient format; groups refused). The text shows a mention as @ and the number."}, true
	case "api.sendRequest.MentionAll":
		return map[string]any{"type": "boolean", "description": "To a group only: mention every participant, " +
			"as the group has them when the message is sent."}, true
	case "api.sendRequest.ViewOnce":
		return map[string]any{"type": "boolean", "description": "Image, video or audio only: the recipient can open it once."}, true
	case "api.sendRequest.ForwardOf":
		return map[string]any{"type": "string", "format": "uuid", "description": "The id of one of your stored messages " +
			"(text, media kept by URL or data, location or contact): its content is sent to recipient marked as forwarded. " +
			"Give no message, message_type or media with it."}, true
	case "api.sendRequest.LinkPreview":
		return map[string]any{"description": "Text only. The card shown under a link: {url (must appear in the text), title, " +
			"description, thumbnail_url (a JPEG, PNG or GIF of at most 2 MiB, fetched when sending and shrunk to a 320-pixel JPEG)}; or false for none. Left out, " +
			"the whatsmeow engine makes one for the text's first link when sending (the page's title, description and " +
			"image, fetched through the gateway's SSRF guard, at most 512 KiB and 5 s); the sandbox makes none.",
			"anyOf": []any{g.of(reflect.TypeFor[gateway.LinkPreview]()), map[string]any{"const": false}}}, true
	case "api.createWebhookRequest.Headers", "api.updateWebhookRequest.Headers":
		return map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"},
			"description": "Custom headers sent with every delivery (at most 20; not Host, Content-Type or the webhook-* " +
				"signature headers). Answers show the values masked; on update, a value sent back masked as it was " +
				"answered keeps the stored one."}, true
	}
	return nil, false
}

// componentNames rename types whose Go name would be ambiguous in the document.
var componentNames = map[reflect.Type]string{
	reflect.TypeFor[instanceapi.Status](): "WorkerStatus",
	reflect.TypeFor[instanceapi.QR]():     "WorkerQR",
}

// of returns the schema of t: a $ref for named structs (defined once under
// components), inline otherwise.
func (g *schemaGen) of(t reflect.Type) map[string]any {
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if t == rawType {
		return map[string]any{}
	}
	if vals, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": vals}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.of(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return map[string]any{"type": "integer"}
	case reflect.Int64, reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name := g.componentName(t)
		if _, done := g.components[name]; !done {
			g.components[name] = map[string]any{} // placeholder: breaks cycles
			g.components[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) componentName(t reflect.Type) string {
	if n, ok := g.names[t]; ok {
		return n
	}
	name, ok := componentNames[t]
	if !ok {
		r := []rune(t.Name())
		r[0] = unicode.ToUpper(r[0])
		name = string(r)
		for _, other := range g.names {
			if other == name {
				pkg := t.PkgPath()[strings.LastIndexByte(t.PkgPath(), '/')+1:]
				name = strings.ToUpper(pkg[:1]) + pkg[1:] + name
				break
			}
		}
	}
	g.names[t] = name
	return name
}

// object is the schema of a struct's JSON fields. Fields without omitempty
// are always present in responses, so they are required there.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	s := map[string]any{"type": "object", "properties": props}
	if g.requests[t] {
		s["additionalProperties"] = false
		if req := requestRequired[t]; len(req) > 0 {
			s["required"] = req
		}
	} else if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		var s map[string]any
		key := ""
		if t.Name() != "" {
			key = t.PkgPath()[strings.LastIndexByte(t.PkgPath(), '/')+1:] + "." + t.Name() + "." + f.Name
		}
		if o, ok := g.fieldOverride(key); ok {
			s = o
		} else {
			s = g.of(f.Type)
		}
		omit := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		d := f.Tag.Get("desc")
		if od, _ := s["description"].(string); d == "" {
			d = od // an override's description
		}
		// A nil pointer, and a nil slice, are written as null (a slice of
		// bytes is a base64 string, empty rather than null).
		if (f.Type.Kind() == reflect.Pointer || f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() != reflect.Uint8) && !omit {
			s = nullable(s)
		}
		if d != "" {
			s = described(s, d)
		}
		props[name] = s
		if !omit {
			*required = append(*required, name)
		}
	}
}

// nullable lets a schema also be null (JSON Schema 2020-12 style).
func nullable(s map[string]any) map[string]any {
	_, enum := s["enum"]
	if typ, ok := s["type"].(string); ok && !enum && len(s) <= 2 {
		c := map[string]any{}
		for k, v := range s {
			c[k] = v
		}
		c["type"] = []string{typ, "null"}
		return c
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// described is s with a description: the field's desc tag, the one place a
// property of the document is explained. A copy, as s may be shared (an
// override, a $ref); JSON Schema 2020-12 allows a description beside $ref.
func described(s map[string]any, d string) map[string]any {
	c := make(map[string]any, len(s)+1)
	for k, v := range s {
		c[k] = v
	}
	c["description"] = d
	return c
}

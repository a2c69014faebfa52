package nomad_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/nomad/api"
	"github.com/zclconf/go-cty/cty"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/nomad"
)

// TestReferenceJobMatchesScheduler keeps jobs/instance.nomad.hcl and the
// job the scheduler submits identical: the file is decoded into an api.Job
// by the jobspec's own hcl tags (as Nomad's parser does), and both are
// compared field by field as the JSON Nomad receives.
func TestReferenceJobMatchesScheduler(t *testing.T) {
	src, err := os.ReadFile("../../jobs/instance.nomad.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if formatted := hclwrite.Format(src); string(formatted) != string(src) {
		t.Error("jobs/instance.nomad.hcl is not canonically formatted")
	}
	ref, err := decodeJobHCL(src, "instance.nomad.hcl")
	if err != nil {
		t.Fatal(err)
	}
	cfg := nomad.Config{Namespace: "whatsapp", Region: "global", Datacenters: []string{"dc1"}, NodePool: "whatsapp",
		Image: "ghcr.io/whatsapp-saas/instance:latest"}
	s, err := nomad.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.Config()
	got := c.Job(gateway.InstanceSpec{SessionID: "SESSION_ID", UserID: "TENANT_ID"}, false)
	if diff := cmp.Diff(asJSON(t, ref), asJSON(t, got)); diff != "" {
		t.Errorf("jobs/instance.nomad.hcl (-) differs from the scheduler's job (+):\n%s", diff)
	}
	// And the legacy variant differs only where it must.
	legacy := asJSON(t, c.Job(gateway.InstanceSpec{SessionID: "SESSION_ID", UserID: "TENANT_ID"}, true))
	tg := legacy["TaskGroups"].([]any)[0].(map[string]any)
	if tg["Disconnect"] != nil || tg["StopAfterClientDisconnect"] != float64(30*time.Second) {
		t.Errorf("legacy job: disconnect %v, stop_after_client_disconnect %v", tg["Disconnect"], tg["StopAfterClientDisconnect"])
	}
}

func asJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// decodeJobHCL decodes a jobspec into an api.Job using the struct tags
// Nomad's HCL2 parser uses (hcl:"name,optional|block|label"), with its
// conventions: the job label is the ID unless id is set, durations are
// strings, ${...} references the file cannot resolve (runtime values such
// as ${NOMAD_PORT_http}) stay as written, and variables take their defaults.
func decodeJobHCL(src []byte, filename string) (*api.Job, error) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	body := f.Body.(*hclsyntax.Body)
	vars := map[string]cty.Value{}
	var jobBlock *hclsyntax.Block
	for _, b := range body.Blocks {
		switch b.Type {
		case "variable":
			if a, ok := b.Body.Attributes["default"]; ok {
				v, d := a.Expr.Value(nil)
				if d.HasErrors() {
					return nil, d
				}
				vars[b.Labels[0]] = v
			}
		case "job":
			jobBlock = b
		}
	}
	if jobBlock == nil {
		return nil, fmt.Errorf("no job block")
	}
	d := &decoder{src: src, ctx: &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}}}
	job := &api.Job{}
	if err := d.body(jobBlock.Body, reflect.ValueOf(job).Elem()); err != nil {
		return nil, err
	}
	if job.ID == nil {
		job.ID = new(jobBlock.Labels[0])
	}
	if job.Name == nil {
		job.Name = job.ID
	}
	return job, nil
}

type decoder struct {
	src []byte
	ctx *hcl.EvalContext
}

type field struct {
	name, kind string
	v          reflect.Value
}

func fields(v reflect.Value) []field {
	var out []field
	for i := 0; i < v.NumField(); i++ {
		tag := v.Type().Field(i).Tag.Get("hcl")
		if tag == "" {
			continue
		}
		name, kind, _ := strings.Cut(tag, ",")
		out = append(out, field{name, kind, v.Field(i)})
	}
	return out
}

func (d *decoder) body(b *hclsyntax.Body, v reflect.Value) error {
	fs := fields(v)
	find := func(name string, block bool) (field, bool) {
		for _, f := range fs {
			if f.name == name && (f.kind == "block") == block && f.kind != "label" {
				return f, true
			}
		}
		return field{}, false
	}
	for name, a := range b.Attributes {
		f, ok := find(name, false)
		if !ok {
			return fmt.Errorf("%s: unknown attribute %q in %s", a.SrcRange, name, v.Type())
		}
		val, err := d.eval(a.Expr)
		if err != nil {
			return err
		}
		if err := set(f.v, val); err != nil {
			return fmt.Errorf("%s: %s: %w", a.SrcRange, name, err)
		}
	}
	for _, blk := range b.Blocks {
		f, ok := find(blk.Type, true)
		if !ok {
			return fmt.Errorf("%s: unknown block %q in %s", blk.TypeRange, blk.Type, v.Type())
		}
		if err := d.block(blk, f.v); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) block(blk *hclsyntax.Block, fv reflect.Value) error {
	t := fv.Type()
	switch {
	case t.Kind() == reflect.Map: // meta, env, config: attributes only
		if fv.IsNil() {
			fv.Set(reflect.MakeMap(t))
		}
		for name, a := range blk.Body.Attributes {
			val, err := d.eval(a.Expr)
			if err != nil {
				return err
			}
			g := toGo(val)
			if t.Elem().Kind() == reflect.String {
				s, ok := g.(string)
				if !ok {
					return fmt.Errorf("%s: %s must be a string", a.SrcRange, name)
				}
				fv.SetMapIndex(reflect.ValueOf(name), reflect.ValueOf(s))
			} else {
				fv.SetMapIndex(reflect.ValueOf(name), reflect.ValueOf(&g).Elem())
			}
		}
		return nil
	case t.Kind() == reflect.Pointer:
		nv := reflect.New(t.Elem())
		if err := d.labelled(blk, nv.Elem()); err != nil {
			return err
		}
		fv.Set(nv)
		return nil
	case t.Kind() == reflect.Slice:
		et := t.Elem()
		var nv reflect.Value
		if et.Kind() == reflect.Pointer {
			nv = reflect.New(et.Elem())
			if err := d.labelled(blk, nv.Elem()); err != nil {
				return err
			}
		} else {
			p := reflect.New(et)
			if err := d.labelled(blk, p.Elem()); err != nil {
				return err
			}
			nv = p.Elem()
		}
		fv.Set(reflect.Append(fv, nv))
		return nil
	}
	return fmt.Errorf("%s: cannot decode block %q into %s", blk.TypeRange, blk.Type, t)
}

func (d *decoder) labelled(blk *hclsyntax.Block, v reflect.Value) error {
	for _, f := range fields(v) {
		if f.kind == "label" && len(blk.Labels) > 0 {
			if err := set(f.v, cty.StringVal(blk.Labels[0])); err != nil {
				return err
			}
		}
	}
	return d.body(blk.Body, v)
}

// eval evaluates an expression; a template whose references the file
// cannot resolve keeps them as written, as Nomad does for runtime values.
func (d *decoder) eval(e hclsyntax.Expression) (cty.Value, error) {
	v, diags := e.Value(d.ctx)
	if !diags.HasErrors() {
		return v, nil
	}
	var parts []hclsyntax.Expression
	switch te := e.(type) {
	case *hclsyntax.TemplateExpr:
		parts = te.Parts
	case *hclsyntax.TemplateWrapExpr:
		parts = []hclsyntax.Expression{te.Wrapped}
	default:
		return cty.NilVal, diags
	}
	var b strings.Builder
	for _, p := range parts {
		if lit, ok := p.(*hclsyntax.LiteralValueExpr); ok {
			b.WriteString(lit.Val.AsString())
			continue
		}
		if pv, pd := p.Value(d.ctx); !pd.HasErrors() && pv.Type() == cty.String {
			b.WriteString(pv.AsString())
			continue
		}
		r := p.Range()
		b.WriteString("${" + string(d.src[r.Start.Byte:r.End.Byte]) + "}")
	}
	return cty.StringVal(b.String()), nil
}

var durationType = reflect.TypeFor[time.Duration]()

func set(fv reflect.Value, val cty.Value) error {
	if fv.Kind() == reflect.Pointer {
		nv := reflect.New(fv.Type().Elem())
		if err := set(nv.Elem(), val); err != nil {
			return err
		}
		fv.Set(nv)
		return nil
	}
	g := toGo(val)
	switch {
	case fv.Type() == durationType:
		s, ok := g.(string)
		if !ok {
			return fmt.Errorf("want a duration string, got %v", g)
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		fv.SetInt(int64(dur))
	case fv.Kind() == reflect.String:
		s, ok := g.(string)
		if !ok {
			return fmt.Errorf("want a string, got %v", g)
		}
		fv.SetString(s)
	case fv.Kind() == reflect.Bool:
		b, ok := g.(bool)
		if !ok {
			return fmt.Errorf("want a bool, got %v", g)
		}
		fv.SetBool(b)
	case fv.CanInt():
		n, ok := g.(int64)
		if !ok {
			return fmt.Errorf("want a whole number, got %v", g)
		}
		fv.SetInt(n)
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
		list, ok := g.([]any)
		if !ok {
			return fmt.Errorf("want a list, got %v", g)
		}
		out := reflect.MakeSlice(fv.Type(), 0, len(list))
		for _, x := range list {
			s, ok := x.(string)
			if !ok {
				return fmt.Errorf("want strings, got %v", x)
			}
			out = reflect.Append(out, reflect.ValueOf(s))
		}
		fv.Set(out)
	default:
		return fmt.Errorf("unsupported field type %s", fv.Type())
	}
	return nil
}

func toGo(v cty.Value) any {
	switch {
	case v.IsNull():
		return nil
	case v.Type() == cty.String:
		return v.AsString()
	case v.Type() == cty.Bool:
		return v.True()
	case v.Type() == cty.Number:
		bf := v.AsBigFloat()
		if bf.IsInt() {
			n, _ := bf.Int64()
			return n
		}
		f, _ := bf.Float64()
		return f
	case v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType():
		var out []any
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, toGo(e))
		}
		return out
	case v.Type().IsObjectType() || v.Type().IsMapType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = toGo(e)
		}
		return out
	}
	return nil
}

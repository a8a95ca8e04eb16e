package rpc

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

var marshalOpts = plugin.MarshalOptions{
	KeepUnknowns:  true,
	KeepSecrets:   true,
	KeepResources: true,
	SkipNulls:     true,
}

// Unmarshal decodes a gRPC struct into a property map, keeping secrets and unknowns.
func Unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, marshalOpts)
}

// Marshal encodes a property map for the engine, keeping secrets and unknowns.
func Marshal(pm resource.PropertyMap) (*structpb.Struct, error) {
	if pm == nil {
		pm = resource.PropertyMap{}
	}
	return plugin.MarshalProperties(pm, marshalOpts)
}

// Plain removes every secret wrapper (recursively) so the value can be read.
// Never put a Plain value into an output: use the original instead.
func Plain(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return Plain(v.SecretValue().Element)
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return resource.MakeComputed(resource.NewStringProperty(""))
		}
		return Plain(o.Element)
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		if id, ok := ref.IDString(); ok {
			return resource.NewStringProperty(id)
		}
		return resource.NewStringProperty(string(ref.URN))
	case v.IsArray():
		in := v.ArrayValue()
		out := make([]resource.PropertyValue, len(in))
		for i, e := range in {
			out[i] = Plain(e)
		}
		return resource.NewArrayProperty(out)
	case v.IsObject():
		return resource.NewObjectProperty(PlainMap(v.ObjectValue()))
	}
	return v
}

// PlainMap is Plain for a whole map.
func PlainMap(pm resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range pm {
		out[k] = Plain(v)
	}
	return out
}

// IsSecretInput reports whether v is (or is wrapped as) a secret at its top level.
func IsSecretInput(v resource.PropertyValue) bool {
	if v.IsSecret() {
		return true
	}
	if v.IsOutput() {
		return v.OutputValue().Secret
	}
	return false
}

// Props is a read-only view of a property map with secrets removed, for decoding.
// Every accessor returns ok=false for absent or null values; unknown (computed)
// values are reported by Unknown.
type Props struct{ m resource.PropertyMap }

// View returns a decoding view of pm (secrets unwrapped).
func View(pm resource.PropertyMap) Props { return Props{PlainMap(pm)} }

// Map returns the underlying (plain) map.
func (p Props) Map() resource.PropertyMap { return p.m }

func (p Props) get(key string) (resource.PropertyValue, bool) {
	v, ok := p.m[resource.PropertyKey(key)]
	if !ok || v.IsNull() {
		return resource.PropertyValue{}, false
	}
	return v, true
}

// Has reports whether key is set (known or unknown).
func (p Props) Has(key string) bool { _, ok := p.get(key); return ok }

// Unknown reports whether key holds an unknown value (at top level).
func (p Props) Unknown(key string) bool {
	v, ok := p.get(key)
	return ok && v.IsComputed()
}

// AnyUnknown reports whether key holds an unknown value anywhere inside it.
func (p Props) AnyUnknown(key string) bool {
	v, ok := p.get(key)
	return ok && v.ContainsUnknowns()
}

// String returns a string property.
func (p Props) String(key string) (string, bool) {
	v, ok := p.get(key)
	if !ok || !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

// StringOr returns a string property or def.
func (p Props) StringOr(key, def string) string {
	if s, ok := p.String(key); ok {
		return s
	}
	return def
}

// Int returns a number property as int64 (JavaScript numbers arrive as float64).
func (p Props) Int(key string) (int64, bool) {
	v, ok := p.get(key)
	if !ok {
		return 0, false
	}
	switch {
	case v.IsNumber():
		return int64(math.Round(v.NumberValue())), true
	case v.IsString():
		var n int64
		if _, err := fmt.Sscan(v.StringValue(), &n); err == nil {
			return n, true
		}
	}
	return 0, false
}

// IntOr returns a number property or def.
func (p Props) IntOr(key string, def int64) int64 {
	if n, ok := p.Int(key); ok {
		return n
	}
	return def
}

// Float returns a number property.
func (p Props) Float(key string) (float64, bool) {
	v, ok := p.get(key)
	if !ok || !v.IsNumber() {
		return 0, false
	}
	return v.NumberValue(), true
}

// Bool returns a boolean property (also accepts "true"/"false" strings, which
// is how the Node.js SDK passes non-string provider configuration).
func (p Props) Bool(key string) (bool, bool) {
	v, ok := p.get(key)
	if !ok {
		return false, false
	}
	switch {
	case v.IsBool():
		return v.BoolValue(), true
	case v.IsString():
		switch strings.ToLower(v.StringValue()) {
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
	}
	return false, false
}

// BoolOr returns a boolean property or def.
func (p Props) BoolOr(key string, def bool) bool {
	if b, ok := p.Bool(key); ok {
		return b
	}
	return def
}

// Strings returns a list of strings (non-string elements are rendered with %v).
func (p Props) Strings(key string) ([]string, bool) {
	v, ok := p.get(key)
	if !ok || !v.IsArray() {
		return nil, false
	}
	var out []string
	for _, e := range v.ArrayValue() {
		switch {
		case e.IsString():
			out = append(out, e.StringValue())
		case e.IsNull():
		default:
			out = append(out, fmt.Sprint(e.V))
		}
	}
	return out, true
}

// StringMap returns a map of strings (sorted iteration is up to the caller).
func (p Props) StringMap(key string) (map[string]string, bool) {
	v, ok := p.get(key)
	if !ok || !v.IsObject() {
		return nil, false
	}
	out := map[string]string{}
	for k, e := range v.ObjectValue() {
		if e.IsString() {
			out[string(k)] = e.StringValue()
		} else if !e.IsNull() {
			out[string(k)] = fmt.Sprint(e.V)
		}
	}
	return out, true
}

// Object returns a nested object property as a Props view.
func (p Props) Object(key string) (Props, bool) {
	v, ok := p.get(key)
	if !ok || !v.IsObject() {
		return Props{}, false
	}
	return Props{v.ObjectValue()}, true
}

// Objects returns a list of objects as Props views (non-object elements are skipped).
func (p Props) Objects(key string) []Props {
	v, ok := p.get(key)
	if !ok || !v.IsArray() {
		return nil
	}
	var out []Props
	for _, e := range v.ArrayValue() {
		if e.IsObject() {
			out = append(out, Props{e.ObjectValue()})
		}
	}
	return out
}

// Value returns the raw (plain) value.
func (p Props) Value(key string) (resource.PropertyValue, bool) { return p.get(key) }

// SortedKeys returns the keys of m in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Unknown returns an unknown placeholder value for preview outputs.
func Unknown() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

// StringList builds an array property of strings.
func StringList(ss []string) resource.PropertyValue {
	out := make([]resource.PropertyValue, len(ss))
	for i, s := range ss {
		out[i] = resource.NewStringProperty(s)
	}
	return resource.NewArrayProperty(out)
}

// CopyInputs copies every input into a new output map, secrets kept as secrets,
// internal keys ("__...") dropped.
func CopyInputs(inputs resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range inputs {
		if strings.HasPrefix(string(k), "__") {
			continue
		}
		out[k] = v
	}
	return out
}

// SecretIf wraps v as a secret when secret is true.
func SecretIf(v resource.PropertyValue, secret bool) resource.PropertyValue {
	if secret && !v.IsSecret() {
		return resource.MakeSecret(v)
	}
	return v
}

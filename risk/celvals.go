package risk

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// Rules read the facts as CEL values. Handing CEL the Go structs (through
// ext.NativeTypes) made it adapt them by reflection on every access: each
// field read boxed a new value and each list element a new object, for
// every rule, so the 21 rules of a relationship converted the same facts
// dozens of times and the garbage collector paid for all of it. Instead,
// each fact is converted once per relationship, each party once per
// worker, into a factVal whose fields are CEL values already; the type
// provider below reads a factVal's field by index. The checker still sees
// the native types, so a misspelt field still fails at load.

// factDesc is a fact struct's layout: its CEL type and its fields by json
// name, in field order.
type factDesc struct {
	typ   *types.Type
	names []string
	index map[string]int
}

// factDescs holds every struct type reachable from Facts, built once.
var factDescs = func() map[reflect.Type]*factDesc {
	out := map[reflect.Type]*factDesc{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Slice:
			walk(t.Elem())
			return
		case reflect.Struct:
		default:
			return
		}
		if _, done := out[t]; done {
			return
		}
		d := &factDesc{typ: types.NewObjectType("risk." + t.Name()), index: map[string]int{}}
		out[t] = d
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				d.names = append(d.names, "")
				continue
			}
			d.names = append(d.names, name)
			d.index[name] = i
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[Facts]())
	return out
}()

// descByName finds a fact struct's layout by its CEL type name.
var descByName = func() map[string]*factDesc {
	out := map[string]*factDesc{}
	for _, d := range factDescs {
		out[d.typ.TypeName()] = d
	}
	return out
}()

// factVal is a fact struct as a CEL value: its fields converted once.
type factVal struct {
	desc   *factDesc
	native reflect.Value
	fields []ref.Val
}

func (v *factVal) ConvertToNative(t reflect.Type) (any, error) {
	if t == v.native.Type() {
		return v.native.Interface(), nil
	}
	if t.Kind() == reflect.Pointer && t.Elem() == v.native.Type() {
		p := reflect.New(t.Elem())
		p.Elem().Set(v.native)
		return p.Interface(), nil
	}
	return nil, fmt.Errorf("type conversion error from '%s' to '%v'", v.desc.typ.TypeName(), t)
}

func (v *factVal) ConvertToType(t ref.Type) ref.Val {
	switch {
	case t == types.TypeType:
		return v.desc.typ
	case t.TypeName() == v.desc.typ.TypeName():
		return v
	}
	return types.NewErr("type conversion error from '%s' to '%s'", v.desc.typ.TypeName(), t.TypeName())
}

func (v *factVal) Equal(other ref.Val) ref.Val {
	o, ok := other.(*factVal)
	if !ok {
		return types.False
	}
	return types.Bool(o.desc == v.desc && reflect.DeepEqual(v.native.Interface(), o.native.Interface()))
}

func (v *factVal) Type() ref.Type { return v.desc.typ }

// Value is the factVal itself: the provider's field getters read it.
func (v *factVal) Value() any { return v }

// factProvider is the environment's type provider with field access on
// factVals; every other question goes to the native types registry.
type factProvider struct {
	*types.Registry
}

func (p *factProvider) FindStructFieldType(structType, fieldName string) (*types.FieldType, bool) {
	ft, ok := p.Registry.FindStructFieldType(structType, fieldName)
	d := descByName[structType]
	if !ok || d == nil {
		return ft, ok
	}
	i, known := d.index[fieldName]
	if !known {
		return ft, ok
	}
	native := *ft
	return &types.FieldType{
		Type:        ft.Type,
		IsJSONField: ft.IsJSONField,
		IsSet: func(obj any) bool {
			if v, ok := obj.(*factVal); ok {
				return v.fields[i] != nil
			}
			return native.IsSet(obj)
		},
		GetFrom: func(obj any) (any, error) {
			if v, ok := obj.(*factVal); ok {
				return v.fields[i], nil
			}
			return native.GetFrom(obj)
		},
	}, true
}

// withFactValues puts the factVal-aware provider in the environment, over
// the registry ext.NativeTypes set up.
func withFactValues() cel.EnvOption {
	return func(e *cel.Env) (*cel.Env, error) {
		reg, ok := e.CELTypeProvider().(*types.Registry)
		if !ok {
			return nil, fmt.Errorf("risk: the CEL type provider is a %T, not a registry", e.CELTypeProvider())
		}
		return cel.CustomTypeProvider(&factProvider{Registry: reg})(e)
	}
}

// valueCache converts facts to CEL values, keeping the parties it
// converted so that a customer, an intermediary or a ministry shared by
// many relationships is converted once. A cache belongs to one goroutine.
type valueCache struct {
	parties map[partyKey]*factVal
}

type partyKey struct{ id, role string }

// maxCachedParties bounds a worker's cache: past it the cache starts
// again, which keeps the parties most relationships share (parents,
// resellers) without holding the whole portfolio twice.
const maxCachedParties = 8192

func newValueCache() *valueCache {
	return &valueCache{parties: map[partyKey]*factVal{}}
}

var partyFactType = reflect.TypeFor[PartyFact]()

// value converts a fact (a struct, a list, a string, a number, a bool).
func (c *valueCache) value(v reflect.Value) ref.Val {
	switch v.Kind() {
	case reflect.String:
		return types.String(v.String())
	case reflect.Bool:
		return types.Bool(v.Bool())
	case reflect.Int, reflect.Int64:
		return types.Int(v.Int())
	case reflect.Float64:
		return types.Double(v.Float())
	case reflect.Slice:
		elems := make([]ref.Val, v.Len())
		for i := range elems {
			elems[i] = c.value(v.Index(i))
		}
		return types.NewRefValList(types.DefaultTypeAdapter, elems)
	case reflect.Struct:
		if v.Type() == partyFactType {
			return c.party(v)
		}
		return c.object(v)
	}
	return types.NewErr("risk: no CEL value for a fact of type %s", v.Type())
}

func (c *valueCache) object(v reflect.Value) *factVal {
	d := factDescs[v.Type()]
	fv := &factVal{desc: d, native: v, fields: make([]ref.Val, len(d.names))}
	for i, name := range d.names {
		if name != "" {
			fv.fields[i] = c.value(v.Field(i))
		}
	}
	return fv
}

// party converts a PartyFact, or returns the one converted before when it
// is equal in every field (a cache hit is checked, not assumed).
func (c *valueCache) party(v reflect.Value) ref.Val {
	p := v.Interface().(PartyFact)
	k := partyKey{p.ID, p.Role}
	if fv, ok := c.parties[k]; ok && samePartyFact(fv.native.Interface().(PartyFact), p) {
		return fv
	}
	if len(c.parties) >= maxCachedParties {
		clear(c.parties)
	}
	// A copy, so the cached value never points into a relationship's facts.
	fv := c.object(reflect.ValueOf(p))
	c.parties[k] = fv
	return fv
}

func samePartyFact(a, b PartyFact) bool {
	return a.ID == b.ID && a.Type == b.Type && a.Name == b.Name && a.Territory == b.Territory && a.Country == b.Country &&
		a.Role == b.Role && a.Context == b.Context && slices.Equal(a.Sectors, b.Sectors)
}

// activation resolves the rule variables to CEL values converted on first
// use and kept for the relationship's other rules.
type activation struct {
	f     *Facts
	c     *valueCache
	rv    reflect.Value
	slots []ref.Val
}

// factFields maps each variable to its field of Facts.
var factFields = func() map[string]int {
	out := map[string]int{}
	t := reflect.TypeFor[Facts]()
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); f.IsExported() && name != "" && name != "-" {
			out[name] = i
		}
	}
	return out
}()

func newActivation(f *Facts, c *valueCache) *activation {
	return &activation{f: f, c: c, rv: reflect.ValueOf(f).Elem(), slots: make([]ref.Val, reflect.TypeFor[Facts]().NumField())}
}

func (a *activation) ResolveName(name string) (any, bool) {
	i, ok := factFields[name]
	if !ok {
		return nil, false
	}
	if a.slots[i] == nil {
		a.slots[i] = a.c.value(a.rv.Field(i))
	}
	return a.slots[i], true
}

func (*activation) Parent() interpreter.Activation { return nil }

// native returns the Go value of a variable, for explanations.
func (a *activation) native(name string) (any, bool) {
	i, ok := factFields[name]
	if !ok {
		return nil, false
	}
	return a.rv.Field(i).Interface(), true
}

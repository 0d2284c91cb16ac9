package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// The OpenAPI document is built from the route table and from the domain
// types by reflection, so that it cannot drift from what the handlers do:
// a new route, a new field or a new enum value shows up in it by itself.
// openapi_test.go checks the result against real responses.

type object = map[string]any

// enums lists the allowed values of the domain's string types.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[vigil.PartyType]():          strs(vigil.PartyTypes),
	reflect.TypeFor[vigil.LinkType]():           strs(vigil.LinkTypes),
	reflect.TypeFor[vigil.SubscriptionStatus](): strs(vigil.SubscriptionStatuses),
	reflect.TypeFor[vigil.ConflictStatus]():     strs(vigil.ConflictStatuses),
	reflect.TypeFor[vigil.Role]():               strs(vigil.Roles),
	reflect.TypeFor[vigil.Kind]():               strs(vigil.Kinds),
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	rawJSONType = reflect.TypeFor[json.RawMessage]()
	recordType  = reflect.TypeFor[vigil.Record]()
	metaType    = reflect.TypeFor[vigil.Meta]()
	dateType    = reflect.TypeFor[vigil.Date]()
)

// schemas collects named component schemas while types are walked.
type schemas struct {
	comps object
}

func ref(name string) object { return object{"$ref": "#/components/schemas/" + name} }

// of returns the schema of a Go type as encoding/json renders it. Named
// structs become components and are referred to.
func (c *schemas) of(t reflect.Type) object {
	if vals, ok := enums[t]; ok {
		return object{"type": "string", "enum": vals}
	}
	switch t {
	case timeType:
		return object{"type": "string", "format": "date-time"}
	case dateType:
		// vigil.Date writes its zero value as null.
		return object{"type": "string", "format": "date", "nullable": true}
	case rawJSONType, recordType:
		return object{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := c.of(t.Elem())
		if _, isRef := s["$ref"]; isRef {
			return s
		}
		s["nullable"] = true
		return s
	case reflect.String:
		return object{"type": "string"}
	case reflect.Bool:
		return object{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return object{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return object{"type": "number"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return object{"type": "string", "format": "byte"}
		}
		// encoding/json writes a nil slice as null.
		return object{"type": "array", "items": c.of(t.Elem()), "nullable": true}
	case reflect.Map:
		return object{"type": "object", "additionalProperties": c.of(t.Elem())}
	case reflect.Interface:
		return object{}
	case reflect.Struct:
		name := t.Name()
		if name == "" {
			return c.structSchema(t)
		}
		if _, done := c.comps[name]; !done {
			c.comps[name] = object{} // placeholder, for recursive types
			c.comps[name] = c.structSchema(t)
		}
		return ref(name)
	}
	panic(fmt.Sprintf("openapi: no schema for Go type %s", t))
}

// structSchema lists a struct's JSON fields. Fields without omitempty are
// always written, so they are required in answers; additionalProperties is
// false because the API refuses unknown fields in requests.
func (c *schemas) structSchema(t reflect.Type) object {
	props := object{}
	var required []string
	c.fields(t, props, &required)
	s := object{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		sort.Strings(required)
		s["required"] = required
	}
	return s
}

func (c *schemas) fields(t reflect.Type, props object, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			c.fields(f.Type, props, required) // embedded: flattened, like encoding/json does
			if f.Type == metaType {
				for _, m := range reflect.VisibleFields(metaType) {
					n, _, _ := strings.Cut(m.Tag.Get("json"), ",")
					props[n].(object)["readOnly"] = true
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = c.of(f.Type)
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}

// input returns the schema of a request body of type t: the answer's
// schema without required fields, since a client may leave out any field
// whose zero value it means (and must leave out the server-set ones).
func (c *schemas) input(t reflect.Type) object {
	name := t.Name() + "Input"
	if _, done := c.comps[name]; !done {
		s := c.structSchema(t)
		delete(s, "required")
		c.comps[name] = s
	}
	return ref(name)
}

// pageSchema is the envelope of a listing of the named item schema.
func pageSchema(item object) object {
	return object{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"items", "next"},
		"properties": object{
			"items": object{"type": "array", "items": item},
			"next":  object{"type": "string", "description": "Cursor of the following page; empty on the last page."},
		},
	}
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// buildOpenAPI renders the OpenAPI 3.0 document of the routes.
func buildOpenAPI(routes []route) ([]byte, error) {
	c := &schemas{comps: object{}}
	c.comps["Problem"] = c.structSchema(reflect.TypeFor[Problem]())
	// Problem answers are shared components, referred to by each operation.
	problemResponses := object{}
	problem := func(name, desc string) object {
		problemResponses[name] = object{"description": desc, "content": object{"application/problem+json": object{"schema": ref("Problem")}}}
		return object{"$ref": "#/components/responses/" + name}
	}
	paths := object{}
	for _, rt := range routes {
		op := object{
			"operationId": rt.op,
			"summary":     rt.summary,
			"tags":        []string{rt.tag},
		}
		var params []object
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, object{"name": m[1], "in": "path", "required": true, "schema": object{"type": "string"}})
		}
		for _, p := range rt.query {
			sch := object{"type": p.typ}
			if len(p.enum) > 0 {
				sch["enum"] = p.enum
			}
			if p.min != nil {
				sch["minimum"] = *p.min
			}
			if p.max != nil {
				sch["maximum"] = *p.max
			}
			params = append(params, object{"name": p.name, "in": "query", "description": p.desc, "schema": sch})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.body != nil {
			op["requestBody"] = object{"required": true, "content": object{"application/json": object{"schema": c.input(rt.body)}}}
		}
		if len(rt.rawBody) > 0 {
			content := object{}
			for _, mt := range rt.rawBody {
				content[mt] = object{"schema": object{"type": "string", "format": "binary"}}
				if mt == "multipart/form-data" {
					content[mt] = object{"schema": object{"type": "object", "required": []string{"file"},
						"properties": object{"file": object{"type": "array", "items": object{"type": "string", "format": "binary"}}}}}
				}
			}
			op["requestBody"] = object{"required": true, "content": content}
		}
		ok := object{"description": http.StatusText(rt.status)}
		switch {
		case rt.result != nil && rt.page:
			name := rt.result.Name() + "Page"
			c.comps[name] = pageSchema(c.of(rt.result))
			ok["content"] = object{"application/json": object{"schema": ref(name)}}
		case rt.result != nil:
			ok["content"] = object{"application/json": object{"schema": c.of(rt.result)}}
		case rt.contentType != "":
			ok["content"] = object{rt.contentType: object{"schema": object{}}}
		}
		responses := object{fmt.Sprint(rt.status): ok}
		if rt.body != nil || len(rt.query) > 0 {
			responses["400"] = problem("Invalid", "Invalid input; code invalid, field names the culprit.")
		}
		if rt.body != nil || len(rt.rawBody) > 0 {
			responses["413"] = problem("TooLarge", "Request body too large.")
		}
		if !rt.access.public() {
			responses["401"] = problem("Unauthorized", "No valid credential.")
			responses["403"] = problem("Forbidden", "The credential's role lacks the permission.")
		}
		if strings.Contains(rt.path, "{") || rt.body != nil {
			responses["404"] = problem("NotFound", "No such record.")
		}
		if rt.method == http.MethodPost || rt.method == http.MethodPut || rt.conflicts {
			responses["409"] = problem("Conflict", "The record exists already or changed meanwhile.")
		}
		if rt.access.public() && rt.method == http.MethodPost {
			responses["429"] = problem("TooManyRequests", "Too many requests from this address (public routes are rate-limited); retry after the Retry-After header's seconds.")
		}
		responses["500"] = problem("Internal", "Internal error; details are in the server log under the request id.")
		op["responses"] = responses
		if !rt.access.public() {
			op["security"] = []object{{"bearer": []string{}}}
			op["x-vigil-permission"] = string(rt.access.perm)
			if rt.access.or != "" {
				op["x-vigil-permission-or"] = string(rt.access.or)
			}
			if rt.access.self {
				op["x-vigil-self"] = true
			}
		} else {
			op["security"] = []object{}
		}
		p, _ := paths[rt.path].(object)
		if p == nil {
			p = object{}
			paths[rt.path] = p
		}
		p[strings.ToLower(rt.method)] = op
	}
	doc := object{
		"openapi": "3.0.3",
		"info": object{
			"title":   "Vigil API",
			"version": "1",
			"description": "Human-rights due diligence over a cloud and AI provider's portfolio. " +
				"Every route except /healthz, /metrics and this document needs `Authorization: Bearer <token>`; " +
				"errors are RFC 9457 problem documents. Each operation's x-vigil-permission names the permission its role must grant; x-vigil-permission-or, where present, names another that admits as well.",
		},
		"paths": paths,
		"components": object{
			"schemas":   c.comps,
			"responses": problemResponses,
			"securitySchemes": object{
				"bearer": object{"type": "http", "scheme": "bearer", "description": "An API token (vgl_...) from vigil init, vigil tokens create or POST /api/v1/tokens."},
			},
		},
		"security": []object{{"bearer": []string{}}},
	}
	return json.MarshalIndent(doc, "", "  ")
}

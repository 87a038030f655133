package alertmanager

// An Alertmanager webhook notification (version 4), abridged from
// testdata/mixed.json: one group, one alert still firing, one resolved.
//
//	{
//	  "version": "4",
//	  "groupKey": "{}/{severity=\"critical\"}:{alertname=\"HighErrorRate\", env=\"prod\", service=\"checkout\"}",
//	  "truncatedAlerts": 0,
//	  "status": "firing",
//	  "receiver": "warroom",
//	  "groupLabels": {"alertname": "HighErrorRate", "env": "prod", "service": "checkout"},
//	  "commonLabels": {"alertname": "HighErrorRate", "env": "prod", "job": "checkout", "service": "checkout", "severity": "critical"},
//	  "commonAnnotations": {"description": "More than 5% of checkout requests fail.", "runbook_url": "https://runbooks.example.com/checkout/high-error-rate"},
//	  "externalURL": "http://alertmanager.example.com:9093",
//	  "alerts": [
//	    {"status": "firing",
//	     "labels": {"alertname": "HighErrorRate", "instance": "checkout-1:8080", ...},
//	     "annotations": {"summary": "Error rate 12% on checkout-1:8080", ...},
//	     "startsAt": "2026-05-11T08:14:30.123Z", "endsAt": "0001-01-01T00:00:00Z",
//	     "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=...",
//	     "fingerprint": "5a2e4c0b9d1f7e38"},
//	    {"status": "resolved", ..., "endsAt": "2026-05-11T08:24:30.456Z", "fingerprint": "c81f3b2d6e0a9457"}
//	  ]
//	}

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// Parse reads an Alertmanager webhook body into one bot.Alert per group,
// or, with perAlert, one per alert keyed by its fingerprint. It does not
// authenticate. Its errors are *httpx.Error with status 400 whose
// message names what is wrong without repeating the payload.
func Parse(body []byte, perAlert bool) ([]bot.Alert, error) {
	var m Message
	if err := Decode(body, &m); err != nil {
		return nil, err
	}
	if m.Version != Version {
		return nil, badRequest(`unsupported payload version: Warroom reads Alertmanager's webhook payload version "4"`)
	}
	mp := Mapping{Source: Name, SourceName: DisplayName, ExternalTitle: "Alertmanager", PerAlert: perAlert}
	return mp.Alerts(&m)
}

// Decode unmarshals a JSON body into v. Its errors are *httpx.Error
// with status 400 that say where the JSON is wrong (a byte offset, a field
// name, the expected type) but never quote the body.
func Decode(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		tm     *time.ParseError
	)
	switch {
	case errors.As(err, &syntax):
		return badRequest(fmt.Sprintf("body is not valid JSON (error at byte %d)", syntax.Offset))
	case errors.As(err, &typ) && typ.Field == "":
		return badRequest("body must be a JSON object")
	case errors.As(err, &typ):
		return badRequest(fmt.Sprintf("field %q must be %s", bot.Truncate(typ.Field, 64), jsonKind(typ.Type)))
	case errors.As(err, &tm):
		return badRequest("a time (startsAt or endsAt) is not an RFC 3339 timestamp")
	default:
		return badRequest("body is not a valid alert payload")
	}
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	if t == reflect.TypeFor[time.Time]() {
		return "an RFC 3339 timestamp string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "of another type"
	}
}

func badRequest(msg string) *httpx.Error {
	return &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: msg}
}

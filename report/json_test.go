package report_test

import "encoding/json"

func jsonDoc(v any) ([]byte, error) { return json.Marshal(v) }

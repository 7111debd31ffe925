package lab

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
)

// quietLog drops the server's own log lines (TLS handshakes that a client
// aborted, for example): the lab is used inside a TUI.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes a request body, accepting the gzip encoding the Graph
// SDK's compression middleware applies to request bodies.
func readJSON(r *http.Request, v any) error {
	var body io.Reader = io.LimitReader(r.Body, 4<<20)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return fmt.Errorf("bad gzip body: %v", err)
		}
		defer zr.Close()
		body = zr
	}
	dec := json.NewDecoder(body)
	dec.UseNumber()
	return dec.Decode(v)
}

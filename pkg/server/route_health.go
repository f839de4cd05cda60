package server

import "net/http"

// handleHealth answers GET /healthz: the process is up.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	return s.writeJSON(w, r, "application/json", map[string]string{"status": "ok"})
}

// handleReady answers GET /readyz: 200 once the tiles directory has been
// scanned (tilesets loaded), 503 before.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	if !s.reg.Ready() {
		return errorf(KindUnavailable, "tilesets are not loaded yet")
	}
	return s.writeJSON(w, r, "application/json", map[string]any{"status": "ready", "tilesets": len(s.reg.List())})
}

package truelayertest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/banktui/banktui/truelayer"
)

type asyncTask struct {
	id      string
	connID  string
	polls   int
	results json.RawMessage
	err     *oauthError
	created time.Time
}

func (s *Server) startTask(w http.ResponseWriter, r *http.Request, c *connection, results any, oerr *oauthError, now time.Time) {
	task := &asyncTask{id: uuidLike(), connID: c.ID, err: oerr, created: now}
	if raw, ok := results.(rawJSON); ok && oerr == nil {
		task.results = json.RawMessage(raw)
	} else if oerr == nil {
		raw, err := json.Marshal(results)
		if err != nil {
			task.err = newErr(500, "internal_error", "encoding failed")
		}
		task.results = raw
	}
	s.mu.Lock()
	s.tasks[task.id] = task
	s.mu.Unlock()
	resultsURI := s.APIURL() + "/data/v1/results/" + task.id
	writeJSON(w, 200, truelayer.AsyncTask{ResultsURI: resultsURI, Status: truelayer.TaskQueued, TaskID: task.id})

	if hook := r.URL.Query().Get("webhook_uri"); hook != "" {
		u, err := url.Parse(hook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		status := truelayer.TaskSucceeded
		wh := truelayer.Webhook{
			RequestTimestamp: stamp(now), RequestURI: s.baseURL + r.URL.RequestURI(), CredentialsID: c.ID,
			TaskID: task.id, ResultsURI: resultsURI,
		}
		if task.err != nil {
			status = truelayer.TaskFailed
			wh.Error, wh.ErrorDescription = task.err.Code, task.err.Description
		}
		wh.Status = status
		body, _ := json.Marshal(wh)
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			hc := &http.Client{Timeout: 5 * time.Second}
			resp, err := hc.Post(hook, "application/json", bytes.NewReader(body))
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
}

func uuidLike() string {
	h := hex32(uint64(time.Now().UnixNano()), hash64(randomID(16)))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// handleResults is GET /data/v1/results/{task}.
func (s *Server) handleResults(w http.ResponseWriter, r *http.Request) {
	c, oerr := s.authenticate(bearer(r), requestNow(r, s))
	if oerr != nil {
		writeErr(w, oerr)
		return
	}
	id := r.PathValue("task")
	s.mu.Lock()
	task := s.tasks[id]
	var running bool
	if task != nil && task.connID == c.ID {
		task.polls++
		running = task.polls <= s.cfg.asyncPolls
	}
	s.mu.Unlock()
	if task == nil || task.connID != c.ID {
		writeErr(w, newErr(404, "task_not_found", "no such task for these credentials"))
		return
	}
	type result struct {
		Results          json.RawMessage `json:"results,omitempty"`
		Status           string          `json:"status"`
		TaskID           string          `json:"task_id"`
		Error            string          `json:"error,omitempty"`
		ErrorDescription string          `json:"error_description,omitempty"`
	}
	switch {
	case running:
		writeJSON(w, 200, result{Status: truelayer.TaskRunning, TaskID: id})
	case task.err != nil:
		writeJSON(w, 200, result{Status: truelayer.TaskFailed, TaskID: id, Error: task.err.Code, ErrorDescription: task.err.Description})
	default:
		writeJSON(w, 200, result{Status: truelayer.TaskSucceeded, TaskID: id, Results: task.results})
	}
}

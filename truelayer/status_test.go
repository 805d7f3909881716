package truelayer

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	f := newFixture(t)
	s := NewStatusClient(f.server.Client(), f.server.URL+statusPath)
	s.req.sleep = f.sleeps.sleep
	f.status.HandleFunc("/api/v1/data/status", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{
			"from": {"2019-01-07 10:00:00"}, "to": {"2019-01-07 11:59:30"},
			"providers": {"oauth-monzo,oauth-starling"}, "endpoints": {"accounts,accounts/balance"},
		})
		serveFixture(t, "status-api.json")(w, r)
	})
	reports, err := s.Status(context.Background(), StatusQuery{
		From:      time.Date(2019, 1, 7, 11, 0, 0, 0, time.FixedZone("CET", 3600)),
		To:        time.Date(2019, 1, 7, 11, 59, 30, 0, time.UTC),
		Providers: []string{"oauth-monzo", "oauth-starling"},
		Endpoints: []string{"accounts", "accounts/balance"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 2 || len(reports[0].Providers) != 2 {
		t.Fatalf("reports = %+v", reports)
	}
	ep := reports[0].Providers[0].Endpoints[0]
	if reports[0].Providers[0].ProviderID != "oauth-monzo" || ep.Endpoint != "accounts" || ep.Availability != 97.24 || ep.TruelayerError != 2.76 {
		t.Errorf("first = %+v", reports[0].Providers[0])
	}
	if !reports[1].Timestamp.Time.Equal(time.Date(2019, 1, 7, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("timestamp = %+v", reports[1].Timestamp)
	}
}

func TestStatusNoFilters(t *testing.T) {
	f := newFixture(t)
	s := NewStatusClient(f.server.Client(), f.server.URL+statusPath+"/")
	f.status.HandleFunc("/api/v1/data/status", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, nil)
		w.Write([]byte(`{"results":[]}`))
	})
	reports, err := s.Status(context.Background(), StatusQuery{})
	if err != nil || reports == nil || len(reports) != 0 {
		t.Errorf("Status = %v, %v", reports, err)
	}
	if NewStatusClient(nil, "").BaseURL.String() != StatusURL+"/" {
		t.Error("default status URL")
	}
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
)

// The fault API lets a running serve or proxy take and drop toxics, as
// Toxiproxy's API does for its proxies. It listens on loopback only and
// speaks JSON:
//
//	GET    /faults         {"fixed":[...], "toxics":[apiToxic...]}
//	POST   /faults         {"fault":"toxic=TYPE,KEY=VALUE,...", "name":"N"} -> 201 apiToxic
//	DELETE /faults/NAME    204
//	DELETE /faults         {"removed":N}   (every toxic)
//
// Errors are {"error":"..."} with 400 (bad request, or a fault fixed at
// start), 404 (no such toxic) or 409 (the name is taken). A toxic applies
// to flows that open after it is added (each transfer's data connection
// is a new flow); flows already open keep theirs.

// apiFaults is the GET /faults document.
type apiFaults struct {
	// Fixed are the faults that shape the network (NAT, firewall, ALG,
	// middleboxes), in --fault form; they are set at start.
	Fixed  []string   `json:"fixed"`
	Toxics []apiToxic `json:"toxics"`
}

// apiToxic is one toxic.
type apiToxic struct {
	Name    string `json:"name"`
	Fault   string `json:"fault"`   // --fault form, as POST takes it
	Explain string `json:"explain"` // what a client meets
}

// apiAdd is the POST /faults body.
type apiAdd struct {
	Fault string `json:"fault"`
	Name  string `json:"name,omitempty"`
}

type apiError struct {
	Error string `json:"error"`
}

// faultAPI serves the API for one network.
type faultAPI struct {
	net   *faults.Network
	fixed []string
	log   func(format string, args ...any) // the live output; never nil
	mu    sync.Mutex                       // serializes changes
}

func newFaultAPI(n *faults.Network, spec scenarios.NetworkSpec, log func(string, ...any)) *faultAPI {
	spec.Toxics = nil
	fixed := spec.Faults()
	if fixed == nil {
		fixed = []string{}
	}
	return &faultAPI{net: n, fixed: fixed, log: log}
}

func (a *faultAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /faults", a.list)
	mux.HandleFunc("POST /faults", a.add)
	mux.HandleFunc("DELETE /faults/{name}", a.remove)
	mux.HandleFunc("DELETE /faults", a.reset)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{"no such endpoint " + r.Method + " " + r.URL.Path + ": the API is GET/POST/DELETE /faults and DELETE /faults/NAME (README: fault API)"})
	})
	return mux
}

func toxicDoc(r faults.ToxicRule) apiToxic {
	return apiToxic{Name: r.Label(), Fault: scenarios.ToxicFault(r), Explain: r.Explain()}
}

func (a *faultAPI) doc() apiFaults {
	d := apiFaults{Fixed: a.fixed, Toxics: []apiToxic{}}
	for _, r := range a.net.Toxics() {
		d.Toxics = append(d.Toxics, toxicDoc(r))
	}
	return d
}

func (a *faultAPI) list(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.doc())
}

func (a *faultAPI) add(w http.ResponseWriter, r *http.Request) {
	var req apiAdd
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf(`body: %v; want {"fault":"toxic=TYPE,KEY=VALUE,...","name":"optional"}`, err)})
		return
	}
	var spec scenarios.NetworkSpec
	if err := spec.Apply(req.Fault); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("fault %q: %v (ftpsim serve --help lists the vocabulary)", req.Fault, err)})
		return
	}
	if len(spec.Toxics) != 1 || !reflect.DeepEqual(scenarios.NetworkSpec{Toxics: spec.Toxics}, spec) {
		key, _, _ := strings.Cut(req.Fault, "=")
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("fault %q shapes the network (%s is fixed when it starts): restart with --fault %s; at run time only toxics are added and removed", req.Fault, key, req.Fault)})
		return
	}
	rule := spec.Toxics[0]
	rule.Name = req.Name
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, t := range a.net.Toxics() {
		if t.Name == rule.Label() {
			writeJSON(w, http.StatusConflict, apiError{fmt.Sprintf("a toxic named %s exists (%s): remove it first, or give this one another name", t.Name, scenarios.ToxicFault(t))})
			return
		}
	}
	a.net.AddToxic(rule)
	a.log("added toxic %s: %s (flows that open from now on)", rule.Label(), rule.Explain())
	writeJSON(w, http.StatusCreated, toxicDoc(rule))
}

func (a *faultAPI) remove(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.net.RemoveToxic(name) {
		var names []string
		for _, t := range a.net.Toxics() {
			names = append(names, t.Name)
		}
		writeJSON(w, http.StatusNotFound, apiError{fmt.Sprintf("no toxic named %q (there are: %s)", name, joinOr(names, ", ", "none"))})
		return
	}
	a.log("removed toxic %s (flows that open from now on)", name)
	w.WriteHeader(http.StatusNoContent)
}

func (a *faultAPI) reset(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, t := range a.net.Toxics() {
		if a.net.RemoveToxic(t.Name) {
			n++
		}
	}
	a.log("removed all %s (flows that open from now on)", plural(n, "toxic"))
	writeJSON(w, http.StatusOK, map[string]int{"removed": n})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	b, _ := json.Marshal(v)
	w.Write(append(b, '\n'))
}

// apiServer is the API's HTTP server on a loopback listener.
type apiServer struct {
	srv *http.Server
	ln  net.Listener
	wg  sync.WaitGroup
}

// checkAPIAddr refuses an --api address that is not loopback.
func checkAPIAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--api %q: want a loopback HOST:PORT such as 127.0.0.1:8474", addr)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return usagef("--api %s: the fault API listens on loopback only (127.0.0.0/8 or ::1): anyone who reaches it can change the faults", addr)
	}
	return nil
}

// startAPI listens on addr (already checked) and serves a.
func startAPI(addr string, a *faultAPI) (*apiServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--api %s: %w", addr, err)
	}
	s := &apiServer{ln: ln, srv: &http.Server{Handler: a.handler(), ReadHeaderTimeout: 5 * time.Second}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log("fault API stopped: %v", err)
		}
	}()
	return s, nil
}

// URL is the API's base URL.
func (s *apiServer) URL() string { return "http://" + s.ln.Addr().String() + "/faults" }

func (s *apiServer) close() {
	s.srv.Close()
	s.wg.Wait()
}

package main

import (
	"log"
	"net/http"

	"github.com/acme/edge-gateway/ratelimit"
)

var routes = []ratelimit.Route{
	{Prefix: "/checkout", PerSec: 50},
	{Prefix: "/billing", PerSec: 20},
	{Prefix: "/stock", PerSec: 200},
}

func main() {
	limiter := ratelimit.New(routes)
	limiter.Warm()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if !limiter.Allow(r.URL.Path, r.RemoteAddr) {
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		proxy(w, r)
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}

package main

import (
	"log"
	"net/http"

	"github.com/acme/edge-gateway/ratelimit"
)

func main() {
	limiter := ratelimit.New(100)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if !limiter.Allow() {
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		proxy(w, r)
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}

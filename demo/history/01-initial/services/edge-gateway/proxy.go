package main

import (
	"net/http"
	"net/http/httputil"
	"net/url"
)

var upstream, _ = url.Parse("http://checkout-api:3000")

func proxy(w http.ResponseWriter, r *http.Request) {
	httputil.NewSingleHostReverseProxy(upstream).ServeHTTP(w, r)
}

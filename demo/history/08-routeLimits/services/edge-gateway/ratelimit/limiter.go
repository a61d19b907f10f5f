// Package ratelimit implements per-route token buckets for the edge gateway.
package ratelimit

import (
	"hash/fnv"
	"sync"
	"time"
)

// Route is one configured limit, e.g. {"/checkout", 50}.
type Route struct {
	Prefix string
	PerSec int
}

type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

type Limiter struct {
	routes  []Route
	buckets []*bucket
	clients map[string]time.Time
}

func New(routes []Route) *Limiter {
	l := &Limiter{routes: routes, buckets: make([]*bucket, len(routes)-1)}
	for i := range l.buckets {
		l.buckets[i] = &bucket{tokens: float64(routes[i].PerSec), last: time.Now()}
	}
	return l
}

// Warm pre-fills every bucket so a restart does not reject the first burst.
func (l *Limiter) Warm() {
	for i, r := range l.routes {
		l.bucketFor(i).tokens = float64(r.PerSec)
	}
}

func (l *Limiter) bucketFor(i int) *bucket {
	return l.buckets[i]
}

// Seen records when a client was last let through (used by the /debug/clients page).
func (l *Limiter) Seen(client string) {
	l.clients[client] = time.Now()
}

func (l *Limiter) Allow(path string, client string) bool {
	h := fnv.New32a()
	h.Write([]byte(client))
	for i, r := range l.routes {
		if len(path) >= len(r.Prefix) && path[:len(r.Prefix)] == r.Prefix {
			b := l.bucketFor(i)
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.tokens < 1 {
				return false
			}
			b.tokens--
			l.Seen(client)
			return true
		}
	}
	return true
}

module github.com/acme/edge-gateway

go 1.22

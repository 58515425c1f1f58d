package dofake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Size is a droplet size as GET /v2/sizes lists it (the API reference's
// fields: memory in MiB, disk in GB, transfer in TB, prices in USD).
type Size struct {
	Slug         string   `json:"slug"`
	Memory       int      `json:"memory"`
	VCPUs        int      `json:"vcpus"`
	Disk         int      `json:"disk"`
	Transfer     float64  `json:"transfer"`
	PriceMonthly float64  `json:"price_monthly"`
	PriceHourly  float64  `json:"price_hourly"`
	Regions      []string `json:"regions"`
	Available    bool     `json:"available"`
	Description  string   `json:"description"`
}

// Sizes answers GET /v2/sizes with sizes, paginated as the API does
// (page and per_page, default 20 and at most 200; links.pages.next/last
// and meta.total), and 401 Unauthorized without the bearer token.
func Sizes(token string, sizes []Size) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/sizes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"id": "Unauthorized", "message": "Unable to authenticate you"})
			return
		}
		page, per := 1, 20
		if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
			page = v
		}
		if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
			per = min(v, 200)
		}
		start := min((page-1)*per, len(sizes))
		end := min(start+per, len(sizes))
		pages := map[string]string{}
		last := (len(sizes) + per - 1) / per
		base := "http://" + r.Host + "/v2/sizes"
		if end < len(sizes) {
			pages["next"] = fmt.Sprintf("%s?page=%d&per_page=%d", base, page+1, per)
			pages["last"] = fmt.Sprintf("%s?page=%d&per_page=%d", base, last, per)
		}
		if page > 1 {
			pages["first"] = fmt.Sprintf("%s?page=1&per_page=%d", base, per)
			pages["prev"] = fmt.Sprintf("%s?page=%d&per_page=%d", base, page-1, per)
		}
		json.NewEncoder(w).Encode(map[string]any{"sizes": sizes[start:end], "links": map[string]any{"pages": pages},
			"meta": map[string]any{"total": len(sizes)}})
	})
	return mux
}

// ExampleSizes are sizes shaped like the API reference's example.
func ExampleSizes() []Size {
	regions := []string{"ams3", "fra1", "nyc3", "sfo3"}
	return []Size{
		{Slug: "s-1vcpu-512mb-10gb", Memory: 512, VCPUs: 1, Disk: 10, Transfer: 0.5, PriceMonthly: 4, PriceHourly: 0.00595, Regions: regions, Available: true, Description: "Basic"},
		{Slug: "s-1vcpu-1gb", Memory: 1024, VCPUs: 1, Disk: 25, Transfer: 1, PriceMonthly: 6, PriceHourly: 0.00893, Regions: regions, Available: true, Description: "Basic"},
		{Slug: "s-1vcpu-2gb", Memory: 2048, VCPUs: 1, Disk: 50, Transfer: 2, PriceMonthly: 12, PriceHourly: 0.01786, Regions: regions, Available: true, Description: "Basic"},
		{Slug: "s-2vcpu-4gb", Memory: 4096, VCPUs: 2, Disk: 80, Transfer: 4, PriceMonthly: 24, PriceHourly: 0.03571, Regions: regions, Available: true, Description: "Basic"},
		{Slug: "g-2vcpu-8gb", Memory: 8192, VCPUs: 2, Disk: 25, Transfer: 4, PriceMonthly: 63, PriceHourly: 0.09375, Regions: regions, Available: true, Description: "General Purpose"},
		{Slug: "c-2", Memory: 4096, VCPUs: 2, Disk: 25, Transfer: 4, PriceMonthly: 42, PriceHourly: 0.0625, Regions: regions, Available: true, Description: "CPU-Optimized"},
		{Slug: "s-8vcpu-16gb-amd", Memory: 16384, VCPUs: 8, Disk: 320, Transfer: 6, PriceMonthly: 112, PriceHourly: 0.16667, Regions: regions, Available: true, Description: "Basic AMD"},
		{Slug: "s-32vcpu-192gb", Memory: 196608, VCPUs: 32, Disk: 3840, Transfer: 12, PriceMonthly: 1680, PriceHourly: 2.5, Regions: []string{}, Available: false, Description: "Basic"},
	}
}

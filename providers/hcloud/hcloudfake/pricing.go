package hcloudfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

// Pricing answers GET /pricing as the Cloud API reference describes it:
// {"pricing": {...}} with the currency, the VAT rate and, per product and
// location, net and gross prices as decimal strings; and GET
// /server_types (the types' cores, memory in GB and architecture),
// paginated with page/per_page (default 25, at most 50) and
// meta.pagination. Mount it at the endpoint the client is given
// (hcloud.WithEndpoint). A request without "Authorization: Bearer TOKEN"
// gets 401 {"error":{"code":"unauthorized"}}.
func Pricing(token string, p schema.Pricing, types ...schema.ServerType) http.Handler {
	mux := http.NewServeMux()
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.Header.Get("Authorization") != "Bearer "+token {
				pricingError(w, http.StatusUnauthorized, "unauthorized", "unable to authenticate")
				return
			}
			if r.Method != http.MethodGet {
				pricingError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("/pricing", auth(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(schema.PricingGetResponse{Pricing: p})
	}))
	mux.HandleFunc("/server_types", auth(func(w http.ResponseWriter, r *http.Request) {
		page, per := 1, 25
		if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
			page = v
		}
		if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
			per = min(v, 50)
		}
		start := min((page-1)*per, len(types))
		end := min(start+per, len(types))
		last := max(1, (len(types)+per-1)/per)
		pg := schema.MetaPagination{Page: page, PerPage: per, LastPage: last, TotalEntries: len(types)}
		if page > 1 {
			pg.PreviousPage = page - 1
		}
		if page < last {
			pg.NextPage = page + 1
		}
		json.NewEncoder(w).Encode(struct {
			schema.ServerTypeListResponse
			Meta schema.Meta `json:"meta"`
		}{schema.ServerTypeListResponse{ServerTypes: append([]schema.ServerType{}, types[start:end]...)}, schema.Meta{Pagination: &pg}})
	}))
	return mux
}

// ExampleServerTypes are the server types of ExamplePricing, shaped like
// the API reference's example.
func ExampleServerTypes() []schema.ServerType {
	st := func(id int64, name string, cores int, mem float32, arch, cpu string) schema.ServerType {
		return schema.ServerType{ID: id, Name: name, Description: strings.ToUpper(name), Category: "regular_purpose", Cores: cores, Memory: mem,
			Disk: 40, StorageType: "local", CPUType: cpu, Architecture: arch}
	}
	return []schema.ServerType{st(104, "cx22", 2, 4, "x86", "shared"), st(45, "cax11", 2, 4, "arm", "shared"), st(22, "cpx11", 2, 2, "x86", "shared")}
}

func pricingError(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg, "details": nil}})
}

func pricingPrice(net, gross string) schema.Price { return schema.Price{Net: net, Gross: gross} }

// ExamplePricing is a price list shaped like the API reference's example,
// with two locations (fsn1, hel1) and a US one (ash) where prices differ.
func ExamplePricing() schema.Pricing {
	loc := func(l, hourly, monthly string) schema.PricingServerTypePrice {
		return schema.PricingServerTypePrice{Location: l, PriceHourly: pricingPrice(hourly, hourly), PriceMonthly: pricingPrice(monthly, monthly),
			IncludedTraffic: 21990232555520, PricePerTBTraffic: pricingPrice("1.0000000000", "1.1900000000")}
	}
	return schema.Pricing{
		Currency: "EUR", VATRate: "19.00",
		Image: schema.PricingImage{PricePerGBMonth: pricingPrice("0.0119000000", "0.0141610000")},
		FloatingIPs: []schema.PricingFloatingIPType{{Type: "ipv4", Prices: []schema.PricingFloatingIPTypePrice{
			{Location: "fsn1", PriceMonthly: pricingPrice("3.0000000000", "3.5700000000")},
			{Location: "hel1", PriceMonthly: pricingPrice("3.0000000000", "3.5700000000")}}}},
		PrimaryIPs: []schema.PricingPrimaryIP{{Type: "ipv4", Prices: []schema.PricingPrimaryIPTypePrice{
			{Location: "fsn1", PriceHourly: pricingPrice("0.0008000000", "0.0009520000"), PriceMonthly: pricingPrice("0.5000000000", "0.5950000000")},
			{Location: "hel1", PriceHourly: pricingPrice("0.0008000000", "0.0009520000"), PriceMonthly: pricingPrice("0.5000000000", "0.5950000000")}}}},
		ServerBackup: schema.PricingServerBackup{Percentage: "20.00"},
		ServerTypes: []schema.PricingServerType{
			{ID: 104, Name: "cx22", Prices: []schema.PricingServerTypePrice{loc("fsn1", "0.0060000000", "3.9900000000"), loc("hel1", "0.0060000000", "3.9900000000")}},
			{ID: 45, Name: "cax11", Prices: []schema.PricingServerTypePrice{loc("fsn1", "0.0060000000", "3.9500000000"), loc("hel1", "0.0060000000", "3.9500000000")}},
			{ID: 22, Name: "cpx11", Prices: []schema.PricingServerTypePrice{loc("fsn1", "0.0070000000", "4.4900000000"), loc("ash", "0.0083000000", "5.4900000000")}},
		},
		LoadBalancerTypes: []schema.PricingLoadBalancerType{
			{ID: 1, Name: "lb11", Prices: []schema.PricingLoadBalancerTypePrice{
				{Location: "fsn1", PriceHourly: pricingPrice("0.0090000000", "0.0107100000"), PriceMonthly: pricingPrice("5.6900000000", "6.7711000000"),
					IncludedTraffic: 21990232555520, PricePerTBTraffic: pricingPrice("1.0000000000", "1.1900000000")}}},
		},
		Volume: schema.PricingVolume{PricePerGBPerMonth: pricingPrice("0.0480000000", "0.0571200000")},
	}
}

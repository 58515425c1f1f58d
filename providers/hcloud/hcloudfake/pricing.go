package hcloudfake

import (
	"encoding/json"
	"net/http"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

// Pricing answers GET /pricing as the Cloud API reference describes it:
// {"pricing": {...}} with the currency, the VAT rate and, per product and
// location, net and gross prices as decimal strings. Mount it at the
// endpoint the client is given (hcloud.WithEndpoint). A request without
// "Authorization: Bearer TOKEN" gets 401 {"error":{"code":"unauthorized"}}.
func Pricing(token string, p schema.Pricing) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/pricing", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+token {
			pricingError(w, http.StatusUnauthorized, "unauthorized", "unable to authenticate")
			return
		}
		if r.Method != http.MethodGet {
			pricingError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
			return
		}
		json.NewEncoder(w).Encode(schema.PricingGetResponse{Pricing: p})
	})
	return mux
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

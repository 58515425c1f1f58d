package cost

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// AWS Price List offer files (the Bulk API's JSON, one service, often one
// region) are read from a path: rehome does not download them, they run
// to hundreds of megabytes. ReadAWSOffer streams one and keeps the
// on-demand Linux prices of EC2 instance types (AmazonEC2) or the
// single-AZ PostgreSQL and MySQL prices of RDS classes (AmazonRDS).

type offerProduct struct {
	SKU           string            `json:"sku"`
	ProductFamily string            `json:"productFamily"`
	Attributes    map[string]string `json:"attributes"`
}

type offerTerm struct {
	PriceDimensions map[string]struct {
		Unit         string            `json:"unit"`
		PricePerUnit map[string]string `json:"pricePerUnit"`
		BeginRange   string            `json:"beginRange"`
	} `json:"priceDimensions"`
}

// ReadAWSOffer reads an offer file; source names it in the entries
// (a file: URL). The entries are dated by the file's publication date.
func ReadAWSOffer(r io.Reader, source string, base *Catalog) ([]Entry, error) {
	dec := json.NewDecoder(r)
	var offerCode, published string
	products := map[string]offerProduct{}
	prices := map[string]float64{} // SKU -> on-demand hourly USD
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("read AWS offer file: %w", err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read AWS offer file: %w", err)
		}
		switch k {
		case "offerCode":
			err = dec.Decode(&offerCode)
		case "publicationDate":
			err = dec.Decode(&published)
		case "products":
			err = eachMember(dec, func(sku string) error {
				var p offerProduct
				if err := dec.Decode(&p); err != nil {
					return err
				}
				if wantOfferProduct(offerCode, p) {
					products[sku] = p
				}
				return nil
			})
		case "terms":
			err = eachMember(dec, func(kind string) error {
				if kind != "OnDemand" {
					var skip json.RawMessage
					return dec.Decode(&skip)
				}
				return eachMember(dec, func(sku string) error {
					var terms map[string]offerTerm
					if err := dec.Decode(&terms); err != nil {
						return err
					}
					if f, ok := hourlyUSD(terms); ok {
						prices[sku] = f
					}
					return nil
				})
			})
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, fmt.Errorf("read AWS offer file (%v): %w", k, err)
		}
	}
	if offerCode != "AmazonEC2" && offerCode != "AmazonRDS" {
		return nil, fmt.Errorf("read AWS offer file: offer %q: rehome reads AmazonEC2 and AmazonRDS offer files", offerCode)
	}
	t, err := time.Parse(time.RFC3339, published)
	if err != nil {
		return nil, fmt.Errorf("read AWS offer file: publication date %q: %w", published, err)
	}
	day := t.UTC().Format(time.DateOnly)
	var out []Entry
	for sku, p := range products {
		price, ok := prices[sku]
		if !ok || price <= 0 {
			continue
		}
		a := p.Attributes
		e := Entry{Provider: "aws", Region: a["regionCode"], Unit: "hour", Price: price, Currency: "USD", Source: source, Read: day}
		if offerCode == "AmazonEC2" {
			e.Service, e.SKU = "ec2", a["instanceType"]
			e.Name = "EC2 " + e.SKU + " (Linux, on-demand)"
		} else {
			eng := rdsEngine(strings.ToLower(a["databaseEngine"]))
			e.Service, e.SKU = "rds", a["instanceType"]+"/"+eng
			e.Name = "RDS " + a["instanceType"] + " " + eng + " (single-AZ; Multi-AZ is twice this)"
		}
		e.VCPUs, _ = strconv.ParseFloat(a["vcpu"], 64)
		if gib, err := strconv.ParseFloat(strings.TrimSuffix(strings.ReplaceAll(a["memory"], ",", ""), " GiB"), 64); err == nil {
			e.MemoryMiB = gib * 1024
		}
		e.Arch = "x86_64"
		if strings.Contains(a["physicalProcessor"], "Graviton") || strings.Contains(a["processorArchitecture"], "ARM") {
			e.Arch = "arm64"
		}
		if old, ok := base.Lookup(e.Provider, e.Service, e.SKU, e.Region); ok && e.VCPUs == 0 {
			e.VCPUs, e.MemoryMiB, e.Arch = old.VCPUs, old.MemoryMiB, old.Arch
		}
		if e.SKU == "" || e.Region == "" {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// wantOfferProduct keeps the products rehome prices: shared-tenancy Linux
// instances without pre-installed software or licences, and single-AZ
// PostgreSQL and MySQL instances.
func wantOfferProduct(offer string, p offerProduct) bool {
	a := p.Attributes
	switch offer {
	case "AmazonEC2":
		return p.ProductFamily == "Compute Instance" && a["operatingSystem"] == "Linux" && a["tenancy"] == "Shared" &&
			a["preInstalledSw"] == "NA" && a["capacitystatus"] == "Used" && a["licenseModel"] != "Bring your own license"
	case "AmazonRDS":
		eng := a["databaseEngine"]
		return p.ProductFamily == "Database Instance" && a["deploymentOption"] == "Single-AZ" && (eng == "PostgreSQL" || eng == "MySQL")
	}
	return false
}

// hourlyUSD is the on-demand hourly USD price of a product's terms.
func hourlyUSD(terms map[string]offerTerm) (float64, bool) {
	for _, t := range terms {
		for _, d := range t.PriceDimensions {
			if d.Unit != "Hrs" {
				continue
			}
			if f, err := strconv.ParseFloat(d.PricePerUnit["USD"], 64); err == nil {
				return f, true
			}
		}
	}
	return 0, false
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, found %v", want, t)
	}
	return nil
}

// eachMember calls fn for each key of the JSON object the decoder is at;
// fn decodes the value.
func eachMember(dec *json.Decoder, fn func(key string) error) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k, ok := t.(string)
		if !ok {
			return fmt.Errorf("want an object key, found %v", t)
		}
		if err := fn(k); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	_, err := dec.Token() // '}'
	return err
}

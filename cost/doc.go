// Package cost prices what discovery found: a dated price catalog embedded
// in the binary (catalog/prices.json), an optional local override written
// by `rehome prices refresh` (.rehome/prices.json), a usage file for what
// the APIs cannot tell (requests, queries, transfer), and the report that
// the plan's cost section and `rehome cost` render.
//
// For each source resource the report holds its monthly cost at the
// source, the monthly cost of its nearest destination equivalent (bucket
// -> the destination's object storage, zone -> its DNS, queue -> a
// self-hosted broker on the smallest server, database instance -> a
// managed database or a server (a database moved into a cluster the
// configuration has rehome create -> that cluster at its configured size,
// counted once per destination), instance -> the nearest server by vCPU,
// memory and architecture) and the difference, each as cost components
// (name, unit, quantity, unit price, monthly amount, the catalog entry's
// date and source URL), like Infracost's breakdown. The one-off cost of the
// move is the source's egress (and GET requests) for what the plan copies.
//
// Limits: the catalog was transcribed by hand from the providers' public
// price pages (see each entry's source_url and read date) and covers the
// common sizes in AWS us-east-1 and eu-central-1, Hetzner's EU locations
// and DigitalOcean (uniform across regions). A resource whose price is not
// in the catalog is priced as unknown, never as zero; usage-based parts
// without usage (requests, queries, transfer) are listed as "depends on
// usage" and left out of the totals. Prices are list prices: no free
// tiers, taxes, discounts, reservations or savings plans. Subscriptions
// shared by several resources (Hetzner Object Storage, DigitalOcean
// Spaces, a broker server for queues) are split between them by size.
// AWS prices are not downloaded (the Price List files are too large to
// fetch in a command): ReadAWSOffer streams an AmazonEC2 or AmazonRDS
// offer file given by path. Refresh reads Hetzner's /pricing and
// DigitalOcean's sizes; object storage, Spaces and managed databases have
// no pricing API and stay as transcribed.
package cost

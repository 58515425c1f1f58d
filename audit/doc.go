// Package audit finds what a move depends on and what it leaves behind:
// it classifies every discovered source resource as moved (a move block
// covers it), left behind (it stays at the source, with the nearest
// destination equivalent) or without equivalent (a managed service the
// destination platform does not offer, with the self-managed or
// alternative target to use instead); it relates discovered resources to
// each other through their References (a DNS record pointing at a load
// balancer, a function triggered by a queue); and it scans application
// folders for references to the source, line by line, with rules that are
// data: an embedded rules file (rules.json) plus the user's own
// (`audit { rules = "file" }`), each rule a regular expression with an id,
// a category (mandatory, optional, potential), an effort and a message.
//
// The planner calls it (planner/audit.go) and turns what it returns into
// the plan's audit findings and inventory, which `rehome audit` and the
// plan's audit section render.
//
// Limits: the scan is textual (regular expressions over lines of text
// files up to 2 MiB; no parsing of the languages), so it finds names
// written out, not names built at run time. The destination equivalents
// come from a small table of server, droplet and instance sizes
// (equivalents.json, dated), matched by vCPUs, memory and architecture,
// not by benchmark; prices are the cost report's. The package makes no
// calls: it reads inventories and files.
package audit

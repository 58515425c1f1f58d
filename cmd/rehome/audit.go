package main

import (
	"github.com/rehome/rehome/cmd/rehome/views"
	"github.com/rehome/rehome/engine"
)

// auditHelp is what `rehome help audit` adds to the options.
const auditHelp = `Discovers the source environments in full (instances, volumes, load
balancers, IPs, firewalls, managed databases, functions, roles, and the
movable kinds), classifies every resource as moved, left behind or without
equivalent at the destination, relates resources to each other, and scans
the folders of the audit block for references to the source with the
built-in rules and those of audit { rules = "FILE" }.

Exit status: 0 without blockers; 3 when there are unacknowledged blockers
(the plan's own: what makes rehome apply refuse it); 1 on error.
`

func (c *cli) audit(args []string) int {
	fs := c.newFlags("audit [options]")
	jsonOut := fs.Bool("json", false, "print the audit as JSON (same as -format=json)")
	format := fs.String("format", "human", "output format: human, markdown or json")
	lockTimeout := fs.Duration("lock-timeout", 0, "how long to wait for the state lock")
	var v varFlags
	v.add(fs)
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		w := fs.Output()
		_, _ = w.Write([]byte("\n" + auditHelp))
	}
	_, ok := c.parse(fs, args, 0)
	if !ok {
		return c.failed()
	}
	if *jsonOut {
		*format = "json"
	}
	c.jsonOut = *format == "json"
	if *format != "human" && *format != "markdown" && *format != "json" {
		return c.errorf("-format must be human, markdown or json, not %q", *format)
	}
	sess, code := c.session(v, "audit", *lockTimeout)
	if sess == nil {
		return code
	}
	defer sess.Close()
	fullScope(sess, true)
	p, err := sess.Plan(c.ctx, nil)
	if err != nil {
		return c.errorf("%v", err)
	}
	switch *format {
	case "json":
		err = views.RenderAuditJSON(c.s.out, p)
	case "markdown":
		err = views.RenderAuditMarkdown(c.s.out, p)
	default:
		err = views.RenderAuditHuman(c.s.out, p, views.HumanOptions{Color: c.color && c.outTTY})
	}
	if err != nil {
		return c.errorf("%v", err)
	}
	if len(p.Blockers()) > 0 {
		return 3
	}
	return 0
}

// fullScope asks the source environments for their whole inventory (not
// only the moved kinds), for the audit: always for `rehome audit`, and
// for `rehome plan` when the configuration has an audit block.
func fullScope(sess *engine.Session, on bool) {
	if !on {
		return
	}
	for _, e := range sess.Envs {
		if e.Source {
			e.Scope.Full = true
		}
	}
}

package planner

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/cost"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

// TestCostInput: moved resources take their move's address and
// destination, the others are left behind and priced at the destination
// of the moves out of their environment; copies are the one-off egress;
// regions come from the environment blocks.
func TestCostInput(t *testing.T) {
	cat, err := cost.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	cfg := &lang.Config{Dir: t.TempDir(), Environments: map[string]*lang.Environment{
		"aws":     {Name: "aws", Provider: "aws", Value: cty.ObjectVal(map[string]cty.Value{"region": cty.StringVal("eu-central-1")})},
		"hetzner": {Name: "hetzner", Provider: "hcloud", Value: cty.ObjectVal(map[string]cty.Value{"location": cty.StringVal("nbg1"), "token": cty.NullVal(cty.String)})},
	}}
	inv := &providers.Inventory{Env: "aws", Provider: "aws", Resources: []providers.Resource{
		{Kind: providers.KindStorage, Type: providers.TypeBucket, Name: "assets", Usage: providers.Usage{Bytes: 1 << 30, Objects: 10}},
		{Type: providers.TypeInstance, Name: "web", Attrs: map[string]string{providers.AttrClass: "t3.micro"}},
	}}
	envs := Envs{
		"aws":     {Name: "aws", Factory: providers.Factory{Name: "aws"}, Inventory: inv, Source: true},
		"hetzner": {Name: "hetzner", Factory: providers.Factory{Name: "hcloud"}, Inventory: &providers.Inventory{}, Destination: true},
	}
	bucket := `move.storage.s.bucket["assets"]`
	actions := []Action{
		{Address: bucket, From: Endpoint{Env: "aws", Name: "assets"}, To: Endpoint{Env: "hetzner", Name: "assets"}, Action: ActCreate, Moves: &Moved{Type: "bucket"}},
		{Address: bucket + ".objects", From: Endpoint{Env: "aws", Name: "assets"}, To: Endpoint{Env: "hetzner", Name: "assets"}, Action: ActCopy,
			Estimate: Estimate{Items: 10, Unit: "objects", Bytes: 1 << 30}},
	}
	in, err := CostInput(Input{Config: cfg, Envs: envs, Prices: cat}, actions)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Subjects) != 2 {
		t.Fatalf("subjects %+v", in.Subjects)
	}
	b, w := in.Subjects[0], in.Subjects[1]
	if b.Address != bucket || !b.Moved || b.Dest == nil || b.Dest.Env != "hetzner" || b.Dest.Provider != "hcloud" || b.Dest.Region != "nbg1" {
		t.Errorf("bucket subject %+v dest %+v", b, b.Dest)
	}
	if b.Resource.Attrs[providers.AttrRegion] != "eu-central-1" || b.Resource.Provider != "aws" || b.Resource.Env != "aws" {
		t.Errorf("bucket resource %+v", b.Resource)
	}
	if w.Address != `aws.instance["web"]` || w.Moved || w.Dest == nil || w.Dest.Env != "hetzner" {
		t.Errorf("left-behind subject %+v", w)
	}
	if len(in.Copies) != 1 || in.Copies[0] != (cost.Copy{Env: "aws", Provider: "aws", Region: "eu-central-1", Bytes: 1 << 30, Objects: 10}) {
		t.Errorf("copies %+v", in.Copies)
	}
	if inv.Resources[0].Attrs != nil {
		t.Error("CostInput changed the inventory")
	}
}

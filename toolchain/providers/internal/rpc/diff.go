package rpc

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// DiffResult is a provider's answer to Diff.
type DiffResult struct {
	Changed             []string // top-level input keys that differ
	Replaces            []string // subset of Changed that force replacement
	DeleteBeforeReplace bool
	added, deleted      map[string]bool
}

// HasChanges reports whether any input changed.
func (d DiffResult) HasChanges() bool { return len(d.Changed) > 0 }

// Replace reports whether the resource must be replaced.
func (d DiffResult) Replace() bool { return len(d.Replaces) > 0 }

// Has reports whether key changed.
func (d DiffResult) Has(key string) bool {
	for _, k := range d.Changed {
		if k == key {
			return true
		}
	}
	return false
}

// ValueChanged compares two inputs for diffing: secrets are compared by their
// values, null equals absent, and any unknown in the new value counts as a change.
func ValueChanged(old, new resource.PropertyValue, oldOK, newOK bool) bool {
	oldOK = oldOK && !old.IsNull()
	newOK = newOK && !new.IsNull()
	if !oldOK && !newOK {
		return false
	}
	if oldOK != newOK {
		return true
	}
	n := Plain(new)
	if n.ContainsUnknowns() {
		return true
	}
	return !Plain(old).DeepEquals(n)
}

// DiffInputs compares old and new inputs key by key (internal "__" keys
// ignored). replace decides which changed keys force a replacement (nil: none).
func DiffInputs(olds, news resource.PropertyMap, replace func(key string) bool) DiffResult {
	d := DiffResult{added: map[string]bool{}, deleted: map[string]bool{}}
	keys := map[string]bool{}
	for k := range olds {
		keys[string(k)] = true
	}
	for k := range news {
		keys[string(k)] = true
	}
	for k := range keys {
		if len(k) >= 2 && k[:2] == "__" {
			continue
		}
		ov, ook := olds[resource.PropertyKey(k)]
		nv, nok := news[resource.PropertyKey(k)]
		if !ValueChanged(ov, nv, ook, nok) {
			continue
		}
		d.Changed = append(d.Changed, k)
		if !ook || ov.IsNull() {
			d.added[k] = true
		} else if !nok || nv.IsNull() {
			d.deleted[k] = true
		}
		if replace != nil && replace(k) {
			d.Replaces = append(d.Replaces, k)
		}
	}
	sort.Strings(d.Changed)
	sort.Strings(d.Replaces)
	return d
}

func (d DiffResult) proto() *pulumirpc.DiffResponse {
	resp := &pulumirpc.DiffResponse{
		Changes:             pulumirpc.DiffResponse_DIFF_NONE,
		HasDetailedDiff:     true,
		DetailedDiff:        map[string]*pulumirpc.PropertyDiff{},
		Diffs:               d.Changed,
		Replaces:            d.Replaces,
		DeleteBeforeReplace: d.DeleteBeforeReplace && len(d.Replaces) > 0,
	}
	if len(d.Changed) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	rep := map[string]bool{}
	for _, k := range d.Replaces {
		rep[k] = true
	}
	for _, k := range d.Changed {
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case d.added[k]:
			kind = pulumirpc.PropertyDiff_ADD
		case d.deleted[k]:
			kind = pulumirpc.PropertyDiff_DELETE
		}
		if rep[k] {
			kind++ // each *_REPLACE kind follows its plain kind
		}
		resp.DetailedDiff[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return resp
}

// Proto exposes the gRPC form (for tests).
func (d DiffResult) Proto() *pulumirpc.DiffResponse { return d.proto() }

package docker

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

// MiB is the unit of the SDK's memory, memorySwap, memoryReservation and shmSize (upstream: "in MBs").
const MiB = 1024 * 1024

type healthConfig struct {
	Test          []string `json:",omitempty"`
	Interval      int64    `json:",omitempty"`
	Timeout       int64    `json:",omitempty"`
	StartPeriod   int64    `json:",omitempty"`
	StartInterval int64    `json:",omitempty"`
	Retries       int      `json:",omitempty"`
}

type restartPolicy struct {
	Name              string
	MaximumRetryCount int
}

type portBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string
}

type logConfig struct {
	Type   string
	Config map[string]string `json:",omitempty"`
}

type deviceMapping struct {
	PathOnHost        string
	PathInContainer   string
	CgroupPermissions string
}

type ulimit struct {
	Name string
	Soft int64
	Hard int64
}

type throttleDevice struct {
	Path string
	Rate uint64
}

type mountSpec struct {
	Type        string
	Source      string `json:",omitempty"`
	Target      string
	ReadOnly    bool `json:",omitempty"`
	BindOptions *struct {
		Propagation string `json:",omitempty"`
	} `json:",omitempty"`
	VolumeOptions *struct {
		NoCopy       bool              `json:",omitempty"`
		Labels       map[string]string `json:",omitempty"`
		Subpath      string            `json:",omitempty"`
		DriverConfig *struct {
			Name    string            `json:",omitempty"`
			Options map[string]string `json:",omitempty"`
		} `json:",omitempty"`
	} `json:",omitempty"`
	TmpfsOptions *struct {
		SizeBytes int64 `json:",omitempty"`
		Mode      int64 `json:",omitempty"`
	} `json:",omitempty"`
}

// Resources is the part of HostConfig that `docker update` can change in place.
type Resources struct {
	CgroupParent         string           `json:",omitempty"`
	CPUShares            int64            `json:"CpuShares,omitempty"`
	Memory               int64            `json:",omitempty"`
	MemoryReservation    int64            `json:",omitempty"`
	MemorySwap           int64            `json:",omitempty"`
	NanoCPUs             int64            `json:"NanoCpus,omitempty"`
	CPUPeriod            int64            `json:"CpuPeriod,omitempty"`
	CPUQuota             int64            `json:"CpuQuota,omitempty"`
	CpusetCpus           string           `json:",omitempty"`
	Devices              []deviceMapping  `json:",omitempty"`
	DeviceCgroupRules    []string         `json:",omitempty"`
	Ulimits              []ulimit         `json:",omitempty"`
	BlkioDeviceReadBps   []throttleDevice `json:",omitempty"`
	BlkioDeviceWriteBps  []throttleDevice `json:",omitempty"`
	BlkioDeviceReadIOps  []throttleDevice `json:",omitempty"`
	BlkioDeviceWriteIOps []throttleDevice `json:",omitempty"`
}

type hostConfig struct {
	Resources
	Binds           []string                 `json:",omitempty"`
	NetworkMode     string                   `json:",omitempty"`
	PortBindings    map[string][]portBinding `json:",omitempty"`
	RestartPolicy   restartPolicy
	AutoRemove      bool              `json:",omitempty"`
	VolumesFrom     []string          `json:",omitempty"`
	Mounts          []mountSpec       `json:",omitempty"`
	CapAdd          []string          `json:",omitempty"`
	CapDrop         []string          `json:",omitempty"`
	CgroupnsMode    string            `json:",omitempty"`
	DNS             []string          `json:"Dns,omitempty"`
	DNSOptions      []string          `json:"DnsOptions,omitempty"`
	DNSSearch       []string          `json:"DnsSearch,omitempty"`
	ExtraHosts      []string          `json:",omitempty"`
	GroupAdd        []string          `json:",omitempty"`
	IpcMode         string            `json:",omitempty"`
	PidMode         string            `json:",omitempty"`
	Privileged      bool              `json:",omitempty"`
	PublishAllPorts bool              `json:",omitempty"`
	ReadonlyRootfs  bool              `json:",omitempty"`
	SecurityOpt     []string          `json:",omitempty"`
	StorageOpt      map[string]string `json:",omitempty"`
	Tmpfs           map[string]string `json:",omitempty"`
	UsernsMode      string            `json:",omitempty"`
	ShmSize         int64             `json:",omitempty"`
	Sysctls         map[string]string `json:",omitempty"`
	Runtime         string            `json:",omitempty"`
	LogConfig       *logConfig        `json:",omitempty"`
	Init            *bool             `json:",omitempty"`
}

type endpointSettings struct {
	Aliases    []string          `json:",omitempty"`
	DriverOpts map[string]string `json:",omitempty"`
	MacAddress string            `json:",omitempty"`
	GwPriority int64             `json:",omitempty"`
	IPAMConfig *struct {
		IPv4Address  string   `json:",omitempty"`
		IPv6Address  string   `json:",omitempty"`
		LinkLocalIPs []string `json:",omitempty"`
	} `json:",omitempty"`
}

type createBody struct {
	Hostname         string   `json:",omitempty"`
	Domainname       string   `json:",omitempty"`
	User             string   `json:",omitempty"`
	Tty              bool     `json:",omitempty"`
	OpenStdin        bool     `json:",omitempty"`
	Env              []string `json:",omitempty"`
	Cmd              []string `json:",omitempty"`
	Entrypoint       []string `json:",omitempty"`
	Image            string
	Labels           map[string]string   `json:",omitempty"`
	WorkingDir       string              `json:",omitempty"`
	StopSignal       string              `json:",omitempty"`
	StopTimeout      *int64              `json:",omitempty"`
	Healthcheck      *healthConfig       `json:",omitempty"`
	ExposedPorts     map[string]struct{} `json:",omitempty"`
	Volumes          map[string]struct{} `json:",omitempty"`
	HostConfig       hostConfig
	NetworkingConfig *struct {
		EndpointsConfig map[string]*endpointSettings
	} `json:",omitempty"`
}

type networkAttachment struct {
	Name     string
	Endpoint *endpointSettings
}

type upload struct {
	File     string
	Content  []byte
	Mode     int64
	UID, GID int
}

// containerSpec is everything needed to create a container from its inputs.
type containerSpec struct {
	Name     string
	Platform string
	Body     createBody
	Networks []networkAttachment // networksAdvanced; the first is attached at create
	Uploads  []upload
}

var restartPolicies = map[string]bool{"no": true, "on-failure": true, "always": true, "unless-stopped": true}

func parseDur(p rpc.Props, key string) (int64, error) {
	s, ok := p.String(key)
	if !ok || s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like \"10s\" or \"1m30s\"", s)
	}
	return int64(d), nil
}

func labelsOf(list []rpc.Props) map[string]string {
	if len(list) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, l := range list {
		k, _ := l.String("label")
		m[k] = l.StringOr("value", "")
	}
	return m
}

// resourcesOf decodes the in-place updatable resource limits (memory in MiB, as upstream).
func resourcesOf(p rpc.Props) (Resources, error) {
	var r Resources
	if n, ok := p.Int("memory"); ok && n > 0 {
		r.Memory = n * MiB
	}
	if n, ok := p.Int("memorySwap"); ok && n != 0 {
		if n > 0 {
			r.MemorySwap = n * MiB
		} else {
			r.MemorySwap = -1
		}
	}
	if n, ok := p.Int("memoryReservation"); ok && n > 0 {
		r.MemoryReservation = n * MiB
	}
	if n, ok := p.Int("cpuShares"); ok {
		r.CPUShares = n
	}
	r.CpusetCpus = p.StringOr("cpuSet", "")
	if s, ok := p.String("cpus"); ok && s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 {
			return r, fmt.Errorf("cpus: %q is not a number of CPUs like \"1.5\"", s)
		}
		r.NanoCPUs = int64(math.Round(f * 1e9))
	}
	if n, ok := p.Int("cpuPeriod"); ok {
		r.CPUPeriod = n
	}
	if n, ok := p.Int("cpuQuota"); ok {
		r.CPUQuota = n
	}
	return r, nil
}

func throttle(list []rpc.Props) []throttleDevice {
	var out []throttleDevice
	for _, t := range list {
		path, _ := t.String("path")
		rate, _ := t.Int("rate")
		out = append(out, throttleDevice{Path: path, Rate: uint64(max(rate, 0))})
	}
	return out
}

// buildContainerSpec turns (known, plain) inputs into the engine's create request.
func buildContainerSpec(p rpc.Props) (*containerSpec, error) {
	s := &containerSpec{}
	b := &s.Body
	h := &b.HostConfig
	s.Name = p.StringOr("name", "")
	s.Platform = p.StringOr("platform", "")
	b.Image = p.StringOr("image", "")
	if b.Image == "" {
		return nil, fmt.Errorf("image: required")
	}
	b.Cmd, _ = p.Strings("command")
	b.Entrypoint, _ = p.Strings("entrypoints")
	b.Env, _ = p.Strings("envs")
	b.User = p.StringOr("user", "")
	b.WorkingDir = p.StringOr("workingDir", "")
	b.Hostname = p.StringOr("hostname", "")
	b.Domainname = p.StringOr("domainname", "")
	b.StopSignal = p.StringOr("stopSignal", "")
	if n, ok := p.Int("stopTimeout"); ok {
		b.StopTimeout = &n
	}
	b.Tty = p.BoolOr("tty", false)
	b.OpenStdin = p.BoolOr("stdinOpen", false)
	b.Labels = labelsOf(p.Objects("labels"))

	if hc, ok := p.Object("healthcheck"); ok {
		cfg := &healthConfig{}
		cfg.Test, _ = hc.Strings("tests")
		var err error
		for _, d := range []struct {
			key string
			dst *int64
		}{{"interval", &cfg.Interval}, {"timeout", &cfg.Timeout}, {"startPeriod", &cfg.StartPeriod}, {"startInterval", &cfg.StartInterval}} {
			if *d.dst, err = parseDur(hc, d.key); err != nil {
				return nil, fmt.Errorf("healthcheck.%s: %w", d.key, err)
			}
		}
		cfg.Retries = int(hc.IntOr("retries", 0))
		b.Healthcheck = cfg
	}

	res, err := resourcesOf(p)
	if err != nil {
		return nil, err
	}
	h.Resources = res
	h.CgroupParent = p.StringOr("cgroupParent", "")
	if n, ok := p.Int("shmSize"); ok && n > 0 {
		h.ShmSize = n * MiB
	}
	restart := p.StringOr("restart", "no")
	if !restartPolicies[restart] {
		return nil, fmt.Errorf("restart: %q is not one of no, on-failure, always, unless-stopped", restart)
	}
	h.RestartPolicy = restartPolicy{Name: restart}
	if restart == "on-failure" {
		h.RestartPolicy.MaximumRetryCount = int(p.IntOr("maxRetryCount", 0))
	}
	h.AutoRemove = p.BoolOr("rm", false)
	h.Privileged = p.BoolOr("privileged", false)
	h.PublishAllPorts = p.BoolOr("publishAllPorts", false)
	h.ReadonlyRootfs = p.BoolOr("readOnly", false)
	if v, ok := p.Bool("init"); ok {
		h.Init = &v
	}
	if caps, ok := p.Object("capabilities"); ok {
		h.CapAdd, _ = caps.Strings("adds")
		h.CapDrop, _ = caps.Strings("drops")
	}
	h.CgroupnsMode = p.StringOr("cgroupnsMode", "")
	h.DNS, _ = p.Strings("dns")
	h.DNSOptions, _ = p.Strings("dnsOpts")
	h.DNSSearch, _ = p.Strings("dnsSearches")
	h.GroupAdd, _ = p.Strings("groupAdds")
	h.IpcMode = p.StringOr("ipcMode", "")
	h.PidMode = p.StringOr("pidMode", "")
	h.UsernsMode = p.StringOr("usernsMode", "")
	h.Runtime = p.StringOr("runtime", "")
	h.SecurityOpt, _ = p.Strings("securityOpts")
	h.StorageOpt, _ = p.StringMap("storageOpts")
	h.Tmpfs, _ = p.StringMap("tmpfs")
	h.Sysctls, _ = p.StringMap("sysctls")
	h.DeviceCgroupRules, _ = p.Strings("deviceCgroupRules")
	for _, x := range p.Objects("hosts") {
		h.ExtraHosts = append(h.ExtraHosts, x.StringOr("host", "")+":"+x.StringOr("ip", ""))
	}
	for _, d := range p.Objects("devices") {
		hp := d.StringOr("hostPath", "")
		h.Devices = append(h.Devices, deviceMapping{PathOnHost: hp,
			PathInContainer: d.StringOr("containerPath", hp), CgroupPermissions: d.StringOr("permissions", "rwm")})
	}
	for _, u := range p.Objects("ulimits") {
		h.Ulimits = append(h.Ulimits, ulimit{Name: u.StringOr("name", ""), Soft: u.IntOr("soft", 0), Hard: u.IntOr("hard", 0)})
	}
	h.BlkioDeviceReadBps = throttle(p.Objects("deviceReadBps"))
	h.BlkioDeviceWriteBps = throttle(p.Objects("deviceWriteBps"))
	h.BlkioDeviceReadIOps = throttle(p.Objects("deviceReadIops"))
	h.BlkioDeviceWriteIOps = throttle(p.Objects("deviceWriteIops"))
	if p.Has("deviceRequests") || p.Has("gpus") {
		return nil, fmt.Errorf("gpus/deviceRequests are not supported by queuekit's docker provider")
	}

	if drv, ok := p.String("logDriver"); ok && drv != "" {
		h.LogConfig = &logConfig{Type: drv}
	}
	if opts, ok := p.StringMap("logOpts"); ok && len(opts) > 0 {
		if h.LogConfig == nil {
			h.LogConfig = &logConfig{Type: "json-file"}
		}
		h.LogConfig.Config = opts
	}

	for _, port := range p.Objects("ports") {
		internal, ok := port.Int("internal")
		if !ok {
			return nil, fmt.Errorf("ports: internal is required")
		}
		proto := port.StringOr("protocol", "tcp")
		key := fmt.Sprintf("%d/%s", internal, proto)
		if b.ExposedPorts == nil {
			b.ExposedPorts = map[string]struct{}{}
			h.PortBindings = map[string][]portBinding{}
		}
		b.ExposedPorts[key] = struct{}{}
		pb := portBinding{HostIP: port.StringOr("ip", "0.0.0.0")}
		if ext, ok := port.Int("external"); ok && ext > 0 {
			pb.HostPort = strconv.FormatInt(ext, 10)
		}
		h.PortBindings[key] = append(h.PortBindings[key], pb)
	}

	for i, v := range p.Objects("volumes") {
		cp := v.StringOr("containerPath", "")
		ro := v.BoolOr("readOnly", false)
		suffix := ""
		if ro {
			suffix = ":ro"
		}
		if sel := v.StringOr("selinuxRelabel", ""); sel != "" {
			if suffix == "" {
				suffix = ":" + sel
			} else {
				suffix += "," + sel
			}
		}
		switch {
		case v.StringOr("fromContainer", "") != "":
			h.VolumesFrom = append(h.VolumesFrom, v.StringOr("fromContainer", ""))
		case v.StringOr("volumeName", "") != "":
			if cp == "" {
				return nil, fmt.Errorf("volumes[%d]: containerPath is required with volumeName", i)
			}
			h.Binds = append(h.Binds, v.StringOr("volumeName", "")+":"+cp+suffix)
		case v.StringOr("hostPath", "") != "":
			if cp == "" {
				return nil, fmt.Errorf("volumes[%d]: containerPath is required with hostPath", i)
			}
			h.Binds = append(h.Binds, v.StringOr("hostPath", "")+":"+cp+suffix)
		case cp != "":
			if b.Volumes == nil {
				b.Volumes = map[string]struct{}{}
			}
			b.Volumes[cp] = struct{}{}
		default:
			return nil, fmt.Errorf("volumes[%d]: needs containerPath (with volumeName or hostPath) or fromContainer", i)
		}
	}

	for i, m := range p.Objects("mounts") {
		ms := mountSpec{Type: m.StringOr("type", ""), Source: m.StringOr("source", ""),
			Target: m.StringOr("target", ""), ReadOnly: m.BoolOr("readOnly", false)}
		if ms.Type == "" || ms.Target == "" {
			return nil, fmt.Errorf("mounts[%d]: type and target are required", i)
		}
		if bo, ok := m.Object("bindOptions"); ok {
			ms.BindOptions = &struct {
				Propagation string `json:",omitempty"`
			}{bo.StringOr("propagation", "")}
		}
		if vo, ok := m.Object("volumeOptions"); ok {
			ms.VolumeOptions = &struct {
				NoCopy       bool              `json:",omitempty"`
				Labels       map[string]string `json:",omitempty"`
				Subpath      string            `json:",omitempty"`
				DriverConfig *struct {
					Name    string            `json:",omitempty"`
					Options map[string]string `json:",omitempty"`
				} `json:",omitempty"`
			}{NoCopy: vo.BoolOr("noCopy", false), Labels: labelsOf(vo.Objects("labels")), Subpath: vo.StringOr("subpath", "")}
			if dn := vo.StringOr("driverName", ""); dn != "" {
				opts, _ := vo.StringMap("driverOptions")
				ms.VolumeOptions.DriverConfig = &struct {
					Name    string            `json:",omitempty"`
					Options map[string]string `json:",omitempty"`
				}{dn, opts}
			}
		}
		if to, ok := m.Object("tmpfsOptions"); ok {
			ms.TmpfsOptions = &struct {
				SizeBytes int64 `json:",omitempty"`
				Mode      int64 `json:",omitempty"`
			}{to.IntOr("sizeBytes", 0), to.IntOr("mode", 0)}
		}
		h.Mounts = append(h.Mounts, ms)
	}

	h.NetworkMode = p.StringOr("networkMode", "")
	for i, n := range p.Objects("networksAdvanced") {
		name := n.StringOr("name", "")
		if name == "" {
			return nil, fmt.Errorf("networksAdvanced[%d]: name is required", i)
		}
		ep := &endpointSettings{MacAddress: n.StringOr("macAddress", ""), GwPriority: n.IntOr("gwPriority", 0)}
		ep.Aliases, _ = n.Strings("aliases")
		if opts, ok := n.Strings("driverOpts"); ok {
			ep.DriverOpts = map[string]string{}
			for _, o := range opts {
				k, v, _ := strings.Cut(o, "=")
				ep.DriverOpts[k] = v
			}
		}
		v4, v6 := n.StringOr("ipv4Address", ""), n.StringOr("ipv6Address", "")
		ll, _ := n.Strings("linkLocalIps")
		if v4 != "" || v6 != "" || len(ll) > 0 {
			ep.IPAMConfig = &struct {
				IPv4Address  string   `json:",omitempty"`
				IPv6Address  string   `json:",omitempty"`
				LinkLocalIPs []string `json:",omitempty"`
			}{v4, v6, ll}
		}
		s.Networks = append(s.Networks, networkAttachment{Name: name, Endpoint: ep})
	}
	if len(s.Networks) > 0 && h.NetworkMode == "" {
		// Attach the first network at create instead of the default bridge (as upstream, which
		// disconnects the bridge when networksAdvanced is given).
		h.NetworkMode = s.Networks[0].Name
		b.NetworkingConfig = &struct {
			EndpointsConfig map[string]*endpointSettings
		}{map[string]*endpointSettings{s.Networks[0].Name: s.Networks[0].Endpoint}}
		s.Networks = s.Networks[1:]
	}

	ups, err := uploadsOf(p.Objects("uploads"))
	if err != nil {
		return nil, err
	}
	s.Uploads = ups
	return s, nil
}

func uploadsOf(list []rpc.Props) ([]upload, error) {
	var out []upload
	for i, u := range list {
		file := u.StringOr("file", "")
		if file == "" {
			return nil, fmt.Errorf("uploads[%d]: file is required", i)
		}
		up := upload{File: file, Mode: 0o644}
		content, hasC := u.String("content")
		b64, hasB := u.String("contentBase64")
		src, hasS := u.String("source")
		n := 0
		for _, h := range []bool{hasC, hasB, hasS} {
			if h {
				n++
			}
		}
		if n != 1 {
			return nil, fmt.Errorf("uploads[%d] (%s): exactly one of content, contentBase64 or source must be set", i, file)
		}
		switch {
		case hasC:
			up.Content = []byte(content)
		case hasB:
			b, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return nil, fmt.Errorf("uploads[%d] (%s): contentBase64: %w", i, file, err)
			}
			up.Content = b
		case hasS:
			b, err := os.ReadFile(src)
			if err != nil {
				return nil, fmt.Errorf("uploads[%d] (%s): source: %w", i, file, err)
			}
			up.Content = b
		}
		if u.BoolOr("executable", false) {
			up.Mode = 0o744
		}
		if perm, ok := u.String("permissions"); ok && perm != "" {
			m, err := strconv.ParseInt(perm, 8, 32)
			if err != nil {
				return nil, fmt.Errorf("uploads[%d] (%s): permissions %q is not an octal mode like \"0644\"", i, file, perm)
			}
			up.Mode = m
		}
		for _, f := range []struct {
			key string
			dst *int
		}{{"owner", &up.UID}, {"group", &up.GID}} {
			if v := u.StringOr(f.key, ""); v != "" {
				id, err := strconv.Atoi(v)
				if err != nil {
					return nil, fmt.Errorf("uploads[%d] (%s): %s must be a numeric id, got %q", i, file, f.key, v)
				}
				*f.dst = id
			}
		}
		out = append(out, up)
	}
	return out, nil
}

// tarUploads packs uploads into one tar stream to extract at "/".
func tarUploads(ups []upload) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	sort.SliceStable(ups, func(i, j int) bool { return ups[i].File < ups[j].File })
	for _, u := range ups {
		name := strings.TrimPrefix(u.File, "/")
		hdr := &tar.Header{Name: name, Mode: u.Mode, Size: int64(len(u.Content)), Uid: u.UID, Gid: u.GID,
			ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(u.Content); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

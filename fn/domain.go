package fn

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Custom domain of the HTTP API (spec.api.domain), in every region of the stack:
//
//   - an ACM certificate for the region's hostname, validated through DNS: one Route53 record
//     per domain validation option in the stage's hosted zone and a CertificateValidation that
//     waits until ACM issues it; or an existing certificate (spec.api.domain.certificateArns);
//   - a regional API Gateway DomainName with that certificate, and an APIMapping of it to the
//     region's API and its $default stage;
//   - a Route53 alias A record of the hostname pointing at the DomainName's regional target.
//
// A stack with one region serves the hostname itself. A stack with several regions serves
// <region>.<hostname> per region (ACM certificates and API Gateway domain names are regional),
// and with latencyRouting also the hostname itself: each region's certificate covers it too, each
// region has a second DomainName and APIMapping for it, and one latency alias record per region
// (set identifier and latency region = the region) sends callers to the nearest one.
//
// Three values exist only once AWS made something (see observed.go): the validation records come
// from the certificate's observed domain validation options; the DomainName waits until the
// certificate is issued (its CertificateValidation is Ready; API Gateway refuses a certificate
// that is not); the alias records point at the DomainName's observed target domain name and
// hosted zone. Each, once composed, is kept with the values it was last composed with.
//
// Tenancy (docs/tenancy.md): the stage's EnvironmentConfig names the zone (data.domains) and the
// part of it a namespace may use, which must contain {namespace}: teams cannot take each
// other's hostnames.

// Keys of the domain part: <key> in a stack with one region; with several, <key>-regional and,
// for latency routing, <key>-global, each ending in -<region> outside the primary region.
const (
	keyDomainCertificate      = "domain-certificate"
	keyDomainValidation       = "domain-certificate-validation"
	keyDomainValidationRecord = "domain-validation-record"
	keyDomainName             = "domain-name"
	keyDomainMapping          = "domain-mapping"
	keyDomainRecord           = "domain-record"
	// domainGlobal marks the resources of the hostname served by latency routing.
	domainGlobal = "-global"
	// domainRegional marks the resources of <region>.<hostname> in a stack with several regions:
	// the DomainName is named after its hostname (its external name), so a stack that gains or
	// loses regions gets new resources for the new names instead of renaming existing ones.
	domainRegional = "-regional"
)

const (
	// validationRecordTTL of the certificate's DNS validation records (ACM rechecks them at
	// every renewal, so they stay).
	validationRecordTTL = 300
	// domainSecurityPolicy is the TLS policy of the API's domain names.
	domainSecurityPolicy = "TLS_1_2"
	// maxCertificateName is ACM's limit on a certificate's domain name.
	maxCertificateName = 64
)

var (
	reHostname = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
	reZoneID   = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	reACMARN   = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]{36}$`)
)

// domainConfig is the resolved custom domain of the API; nil for none.
type domainConfig struct {
	Hostname string
	ZoneID   string
	ZoneName string
	// Certificates are the existing certificates by region; empty: the stack creates them.
	Certificates map[string]string
	// Latency serves Hostname from every region through latency records.
	Latency bool
}

// resolveDomain checks spec.api.domain against the stage's zone and grant.
func resolveDomain(spec *v1alpha1.APISpec, stageCfg *v1alpha1.StageProfile, s *settings) (*domainConfig, error) {
	if spec == nil || spec.Domain == nil {
		return nil, nil
	}
	d := spec.Domain
	var errs fieldErrors
	const field = "spec.api.domain"
	z := stageCfg.Domains
	switch {
	case !s.API.Enabled:
		errs.add(field, "needs the HTTP API, but spec.api.enabled is false")
	case z == nil || z.HostedZoneID == "" || z.ZoneName == "":
		errs.add(field, "stage %s grants no custom domains: its EnvironmentConfig names no Route53 hosted zone (data.domains.hostedZoneId and data.domains.zoneName)", s.Stage)
	case s.Owner == "":
		errs.add(field, "hostnames are granted per namespace, and an XLambdaStack created without a claim has none; request it through a LambdaStackClaim")
	}
	if len(errs) > 0 {
		return nil, errs.err()
	}
	c := &domainConfig{Hostname: d.Hostname, ZoneID: z.HostedZoneID, ZoneName: z.ZoneName,
		Latency: d.LatencyRouting != nil && *d.LatencyRouting}

	// the stage's grant
	if !reZoneID.MatchString(z.HostedZoneID) {
		errs.add("EnvironmentConfig data.domains.hostedZoneId", "%q is not a Route53 hosted zone ID (Z followed by upper-case letters and digits)", z.HostedZoneID)
	}
	if !reHostname.MatchString(z.ZoneName) {
		errs.add("EnvironmentConfig data.domains.zoneName", "%q is not a domain name (lower-case DNS labels, no trailing dot)", z.ZoneName)
	}
	pattern := firstStr(z.HostnameSuffix, namespacePlaceholder+"."+z.ZoneName)
	suffix := strings.ReplaceAll(pattern, namespacePlaceholder, s.Owner)
	switch {
	case !strings.Contains(pattern, namespacePlaceholder):
		errs.add("EnvironmentConfig data.domains.hostnameSuffix", "%q must contain %s, so that every namespace gets hostnames of its own", pattern, namespacePlaceholder)
	case suffix != z.ZoneName && !strings.HasSuffix(suffix, "."+z.ZoneName):
		errs.add("EnvironmentConfig data.domains.hostnameSuffix", "%q is not inside the zone %s", pattern, z.ZoneName)
	}
	if len(errs) > 0 {
		return nil, errs.err()
	}

	// the request
	switch {
	case !reHostname.MatchString(d.Hostname):
		errs.add(field+".hostname", "%q is not a hostname (lower-case DNS labels separated by dots, no wildcard, no trailing dot)", d.Hostname)
	case d.Hostname != suffix && !strings.HasSuffix(d.Hostname, "."+suffix):
		errs.add(field+".hostname", "%q is not granted: namespace %s may use %s and names under it on stage %s (data.domains.hostnameSuffix)", d.Hostname, s.Owner, suffix, s.Stage)
	}
	for _, r := range s.Regions {
		if h := c.host(s, r); len(h) > maxCertificateName {
			errs.add(field+".hostname", "%q is longer than %d characters, the longest name of an ACM certificate", h, maxCertificateName)
			break
		}
	}
	if c.Latency && len(s.Regions) < 2 {
		errs.add(field+".latencyRouting", "needs a stack with several regions (spec.regions); a single region serves the hostname itself")
	}
	if len(d.CertificateARNs) > 0 {
		c.Certificates = map[string]string{}
		for i, arn := range d.CertificateARNs {
			f := fmt.Sprintf("%s.certificateArns[%d]", field, i)
			if !reACMARN.MatchString(arn) {
				errs.add(f, "%q is not an ACM certificate ARN", arn)
				continue
			}
			checkGrantedARN(&errs, s, stageCfg, f, "certificate", arn)
			r := arnRegion(arn)
			switch {
			case !slices.Contains(s.Regions, r):
				errs.add(f, "the certificate is in region %s, where the stack does not run (regions: %s); API Gateway uses only certificates of its own region", r, strings.Join(s.Regions, ", "))
			case c.Certificates[r] != "":
				errs.add(f, "a second certificate for region %s; give one per region", r)
			default:
				c.Certificates[r] = arn
			}
		}
		for _, r := range s.Regions {
			if c.Certificates[r] == "" {
				errs.add(field+".certificateArns", "has no certificate for region %s; give one per region of the stack, or none to let the stack create them", r)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs.err()
	}
	return c, nil
}

// host is the hostname served in region: the hostname itself in a stack with one region, else
// <region>.<hostname>.
func (d *domainConfig) host(s *settings, region string) string {
	if len(s.Regions) == 1 {
		return d.Hostname
	}
	return region + "." + d.Hostname
}

// domainHost is one hostname a region serves and the key variant of its resources.
type domainHost struct{ name, variant string }

func (d *domainConfig) hosts(s *settings, region string) []domainHost {
	h := []domainHost{{name: d.host(s, region)}}
	if len(s.Regions) > 1 {
		h[0].variant = domainRegional
	}
	if d.Latency {
		h = append(h, domainHost{name: d.Hostname, variant: domainGlobal})
	}
	return h
}

// domain composes the custom domain of every region; nothing without one.
func (b *builder) domain() {
	d := b.s.Domain
	if d == nil || !b.s.API.Enabled {
		return
	}
	b.regional(func(region, suffix string) {
		hosts := d.hosts(b.s, region)
		cert := b.domainCertificate(region, suffix, hosts)
		for _, h := range hosts {
			if !b.domainName(region, suffix, h, cert) {
				continue
			}
			b.domainMapping(region, suffix, h)
			b.domainRecord(region, suffix, h)
		}
	})
}

// certificateRef is how a DomainName names its certificate: an existing ARN, or the
// certificate the stack creates (issued once validated is true).
type certificateRef struct {
	arn        string
	key        string // the certificate's key and its validation's
	validation string
	validated  bool
}

// domainCertificate composes the region's certificate with its validation (none for an existing
// certificate).
func (b *builder) domainCertificate(region, suffix string, hosts []domainHost) certificateRef {
	if arn := b.s.Domain.Certificates[region]; arn != "" {
		return certificateRef{arn: arn}
	}
	key := keyDomainCertificate + hosts[0].variant + suffix
	p := map[string]any{"domainName": hosts[0].name, "validationMethod": "DNS"}
	if len(hosts) > 1 {
		names := make([]string, 0, len(hosts)-1)
		for _, h := range hosts[1:] {
			names = append(names, h.name)
		}
		p["subjectAlternativeNames"] = sortedStrList(names)
	}
	b.add(b.managed(key, "acm", "Certificate", mrOpts{region: region, taggable: true}, p))

	var fqdns []string
	complete := true
	for _, h := range hosts {
		fqdn, ok := b.validationRecord(key, hosts[0].variant, suffix, h)
		if !ok {
			complete = false
			continue
		}
		fqdns = append(fqdns, fqdn)
	}
	vkey := keyDomainValidation + hosts[0].variant + suffix
	if complete {
		sort.Strings(fqdns)
		b.add(b.managed(vkey, "acm", "CertificateValidation", mrOpts{region: region}, map[string]any{
			"certificateArnRef":     b.ref(key),
			"validationRecordFqdns": strList(fqdns),
		}))
	} else {
		b.wait(vkey, "the DNS validation records of "+key)
	}
	st, _, _ := b.o.condition(vkey, "Ready")
	return certificateRef{key: key, validation: vkey, validated: st == "True"}
}

// dnsRecord is a DNS record ACM asks for to validate a certificate.
type dnsRecord struct{ name, typ, value string }

// validationRecord composes the record that validates host on the certificate of the region of
// suffix and returns the record's name (for the CertificateValidation). ACM asks for the same
// record for the same name in every region of an account, so the record of the latency hostname
// is composed once, from the primary region's certificate; another region composes its own only
// if its certificate asks for a different one.
func (b *builder) validationRecord(certKey, certVariant, suffix string, h domainHost) (string, bool) {
	key := keyDomainValidationRecord + h.variant + suffix
	rec, ok := b.o.validationFor(certKey, key, h.name)
	if !ok {
		b.wait(key, "the domain validation options of "+certKey)
		return "", false
	}
	if h.variant == domainGlobal && suffix != "" && !b.o.exists(key) {
		primary := keyDomainValidationRecord + h.variant
		primaryCert := keyDomainCertificate + certVariant
		shared, ok := b.o.validationFor(primaryCert, primary, h.name)
		if !ok {
			b.wait(key, "the domain validation options of "+primaryCert)
			return "", false
		}
		if shared == rec {
			return rec.name, true
		}
	}
	b.add(b.managed(key, "route53", "Record", mrOpts{}, map[string]any{
		"zoneId":  b.s.Domain.ZoneID,
		"name":    rec.name,
		"type":    rec.typ,
		"ttl":     int64(validationRecordTTL),
		"records": []any{rec.value},
	}))
	return rec.name, true
}

// domainName composes the regional API Gateway domain name of h. With a certificate the stack
// creates, it waits until the certificate is issued; once composed it stays.
func (b *builder) domainName(region, suffix string, h domainHost, cert certificateRef) bool {
	key := keyDomainName + h.variant + suffix
	conf := map[string]any{"endpointType": "REGIONAL", "securityPolicy": domainSecurityPolicy}
	switch {
	case cert.arn != "":
		conf["certificateArn"] = cert.arn
	case cert.validated || b.o.exists(key):
		conf["certificateArnRef"] = b.ref(cert.key)
	default:
		b.wait(key, cert.validation+" to be Ready (ACM issues the certificate once its DNS records validate it)")
		return false
	}
	b.add(b.managed(key, "apigatewayv2", "DomainName", mrOpts{externalName: h.name, region: region, taggable: true},
		map[string]any{"domainNameConfiguration": b.block(conf)}))
	return true
}

// domainMapping maps the domain name of h to the region's API and its $default stage; it waits
// until the stage is composed (the stage waits for the access log group's ARN).
func (b *builder) domainMapping(region, suffix string, h domainHost) {
	key := keyDomainMapping + h.variant + suffix
	if !b.hasComposed(keyAPIStage + suffix) {
		b.wait(key, "the stage "+keyAPIStage+suffix)
		return
	}
	b.add(b.managed(key, "apigatewayv2", "APIMapping", mrOpts{region: region}, map[string]any{
		"apiIdRef":      b.ref(keyAPI + suffix),
		"domainNameRef": b.ref(keyDomainName + h.variant + suffix),
		"stageRef":      b.ref(keyAPIStage + suffix),
	}))
}

// domainRecord composes the alias record of h pointing at its domain name's regional target
// (a latency record per region for the latency hostname); it waits for the target.
func (b *builder) domainRecord(region, suffix string, h domainHost) {
	key := keyDomainRecord + h.variant + suffix
	dn := keyDomainName + h.variant + suffix
	target, zone := b.o.domainTarget(dn)
	if target == "" {
		target, zone = b.o.kept(key, "alias", "name"), b.o.kept(key, "alias", "zoneId")
	}
	if target == "" || zone == "" {
		b.wait(key, "the regional target domain name of "+dn)
		return
	}
	p := map[string]any{
		"zoneId": b.s.Domain.ZoneID,
		"name":   h.name,
		"type":   "A",
		"alias": b.block(map[string]any{
			"name":                 target,
			"zoneId":               zone,
			"evaluateTargetHealth": false,
		}),
	}
	if h.variant == domainGlobal {
		p["setIdentifier"] = region
		p["latencyRoutingPolicy"] = b.block(map[string]any{"region": region})
	}
	b.add(b.managed(key, "route53", "Record", mrOpts{}, p))
}

// customURL is https://<hostname> of the record of key once that record is Ready, else "".
func (b *builder) customURL(key, host string) string {
	if st, _, _ := b.o.condition(key, "Ready"); st != "True" {
		return ""
	}
	return "https://" + host
}

// domainStatus is the custom URL of the stack: the latency hostname when it has one, else the
// primary region's hostname; "" without a domain or until its record is Ready.
func (b *builder) domainStatus() string {
	d := b.s.Domain
	if d == nil || !b.s.API.Enabled {
		return ""
	}
	if d.Latency {
		return b.customURL(keyDomainRecord+domainGlobal, d.Hostname)
	}
	return b.regionCustomURL(b.s.Region, "")
}

// regionCustomURL is the custom URL of region; "" without a domain or until its record is Ready.
func (b *builder) regionCustomURL(region, suffix string) string {
	d := b.s.Domain
	if d == nil || !b.s.API.Enabled {
		return ""
	}
	h := d.hosts(b.s, region)[0]
	return b.customURL(keyDomainRecord+h.variant+suffix, h.name)
}

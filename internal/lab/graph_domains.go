package lab

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

func (l *Lab) graphListDomains(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "domains"), "value": l.state.domains})
}

func (l *Lab) domainRef(w http.ResponseWriter, r *http.Request) *entraDomain {
	d := l.state.domain(r.PathValue("id"))
	if d == nil {
		l.graphNotFound(w, r, r.PathValue("id"))
	}
	return d
}

func (l *Lab) graphGetDomain(w http.ResponseWriter, r *http.Request) {
	if d := l.domainRef(w, r); d != nil {
		out := toMap(d)
		out["@odata.context"] = l.context(r, "domains/$entity")
		writeJSON(w, http.StatusOK, out)
	}
}

// graphDNSRecords serves a domain's verificationDnsRecords (the MS=ms TXT
// and its MX twin) or serviceConfigurationRecords (what Exchange Online,
// Teams and device join need), typed with the "#microsoft.graph.domainDns…"
// discriminators the SDK dispatches on.
func (l *Lab) graphDNSRecords(verification bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d := l.domainRef(w, r)
		if d == nil {
			return
		}
		rec := func(kind, label, service string, ttl int, extra map[string]any) map[string]any {
			m := map[string]any{"@odata.type": "#microsoft.graph.domainDns" + kind + "Record", "id": guid("rec:" + d.ID + kind + label + fmt.Sprint(extra)),
				"isOptional": false, "label": label, "recordType": map[string]string{"Txt": "Txt", "Mx": "Mx", "Cname": "CName", "Srv": "Srv"}[kind],
				"supportedService": service, "ttl": ttl}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		var out []map[string]any
		if verification {
			if d.IsInitial {
				out = []map[string]any{}
			} else {
				code := firstNonEmpty(d.verificationCode, "MS=ms"+fmt.Sprint(10000000+int(hash32(d.ID))%89999999))
				out = append(out, rec("Txt", d.ID, "None", 3600, map[string]any{"text": code}),
					rec("Mx", d.ID, "None", 3600, map[string]any{"mailExchange": strings.TrimPrefix(code, "MS=") + ".msv1.invalid", "preference": 32767}))
			}
		} else {
			mx := strings.ReplaceAll(d.ID, ".", "-") + ".mail.protection.outlook.com"
			out = append(out,
				rec("Mx", d.ID, "Email", 3600, map[string]any{"mailExchange": mx, "preference": 0}),
				rec("Txt", d.ID, "Email", 3600, map[string]any{"text": "v=spf1 include:spf.protection.outlook.com -all"}),
				rec("Cname", "autodiscover."+d.ID, "Email", 3600, map[string]any{"canonicalName": "autodiscover.outlook.com"}),
				rec("Cname", "enterpriseregistration."+d.ID, "Intune", 3600, map[string]any{"canonicalName": "enterpriseregistration.windows.net"}),
				rec("Cname", "enterpriseenrollment."+d.ID, "Intune", 3600, map[string]any{"canonicalName": "enterpriseenrollment-s.manage.microsoft.com"}),
				rec("Srv", d.ID, "OfficeCommunicationsOnline", 3600, map[string]any{"nameTarget": "sipfed.online.lync.com", "port": 5061, "priority": 100, "protocol": "_tcp", "service": "_sipfederationtls", "weight": 1}),
			)
		}
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "domains('"+d.ID+"')/"+map[bool]string{true: "verificationDnsRecords", false: "serviceConfigurationRecords"}[verification]), "value": out})
	}
}

// federationRef finds the domain and its federation named by the path,
// answering 404 when either is missing.
func (l *Lab) federationRef(w http.ResponseWriter, r *http.Request) *entraDomain {
	d := l.domainRef(w, r)
	if d == nil {
		return nil
	}
	if d.federation == nil || d.federation.ID != r.PathValue("fid") {
		l.graphNotFound(w, r, r.PathValue("fid"))
		return nil
	}
	return d
}

// writeFederation writes the domain's federation as one entity.
func (l *Lab) writeFederation(w http.ResponseWriter, r *http.Request, d *entraDomain, status int) {
	out := toMap(d.federation)
	out["@odata.context"] = l.context(r, "domains('"+d.ID+"')/federationConfiguration/$entity")
	writeJSON(w, status, out)
}

// graphListFederation is GET /domains/{id}/federationConfiguration: a
// collection of the domain's one internalDomainFederation, or an empty
// collection (200, "value": []) when it has none, as Graph answers for a
// Managed domain (and for a Federated one left without a configuration);
// only an unknown domain is a 404.
func (l *Lab) graphListFederation(w http.ResponseWriter, r *http.Request) {
	d := l.domainRef(w, r)
	if d == nil {
		return
	}
	value := []any{}
	if d.federation != nil {
		value = append(value, toMap(d.federation))
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "domains('"+d.ID+"')/federationConfiguration"), "value": value})
}

// graphGetFederation returns the object itself: the documented example
// wraps it in "value", which the PATCH response shows is a doc error.
func (l *Lab) graphGetFederation(w http.ResponseWriter, r *http.Request) {
	if d := l.federationRef(w, r); d != nil {
		l.writeFederation(w, r, d, http.StatusOK)
	}
}

// applyFederation sets the posted fields, refusing what Graph refuses:
// an unparsable certificate, and federatedIdpMfaBehavior back to null once
// it has been set.
func applyFederation(f *federation, body map[string]any) (string, bool) {
	str := func(v any) (string, bool) { s, ok := v.(string); return s, ok }
	for k, v := range body {
		switch k {
		case "displayName", "issuerUri", "passiveSignInUri", "preferredAuthenticationProtocol", "promptLoginBehavior":
			s, ok := str(v)
			if !ok {
				return fmt.Sprintf("Invalid value specified for property '%s' of resource 'InternalDomainFederation'.", k), false
			}
			switch k {
			case "displayName":
				f.DisplayName = s
			case "issuerUri":
				// Entra refuses an issuerUri that starts with a digit, which
				// is what Okta's automatic form {domain}:{exk} gives for a
				// domain like 365contoso.com (api-facts §Q4, §Q10.11; the
				// message is the lab's, the real one was not recorded).
				if s != "" && s[0] >= '0' && s[0] <= '9' {
					return fmt.Sprintf("Invalid value specified for property 'issuerUri' of resource 'InternalDomainFederation': '%s' must not start with a digit.", s), false
				}
				f.IssuerURI = s
			case "passiveSignInUri":
				f.PassiveSignInURI = s
			case "preferredAuthenticationProtocol":
				f.PreferredAuthenticationProtocol = s
			case "promptLoginBehavior":
				f.PromptLoginBehavior = s
			}
		case "activeSignInUri":
			f.ActiveSignInURI = optionalAny(v)
		case "signOutUri":
			f.SignOutURI = optionalAny(v)
		case "metadataExchangeUri":
			f.MetadataExchangeURI = optionalAny(v)
		case "passwordResetUri":
			f.PasswordResetURI = optionalAny(v)
		case "isSignedAuthenticationRequestRequired":
			b, _ := v.(bool)
			f.IsSignedAuthenticationRequestRequired = b
		case "signingCertificate", "nextSigningCertificate":
			s, _ := str(v)
			if s != "" || k == "signingCertificate" {
				der, err := base64.StdEncoding.DecodeString(s)
				if _, perr := x509.ParseCertificate(der); err != nil || perr != nil {
					return fmt.Sprintf("Invalid value specified for property '%s' of resource 'InternalDomainFederation'.", k), false
				}
			}
			if k == "signingCertificate" {
				f.SigningCertificate = s
			} else {
				f.NextSigningCertificate = optional(s)
			}
		case "federatedIdpMfaBehavior":
			s, _ := str(v)
			if s == "" && f.FederatedIdpMfaBehavior != nil {
				return "Invalid value specified for property 'federatedIdpMfaBehavior': it cannot be reset to null once set.", false
			}
			if !mfaBehaviors[s] {
				return fmt.Sprintf("Invalid value specified for property 'federatedIdpMfaBehavior': '%s'.", s), false
			}
			f.FederatedIdpMfaBehavior = optional(s)
		}
	}
	return "", true
}

// graphPatchFederation: 200 with the whole updated object.
func (l *Lab) graphPatchFederation(w http.ResponseWriter, r *http.Request) {
	if !l.hasAny(r, "Domain-InternalFederation.ReadWrite.All", "Domain.ReadWrite.All") {
		l.graphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	var body map[string]any
	if !l.readGraphJSON(w, r, &body) {
		return
	}
	d := l.federationRef(w, r)
	if d == nil {
		return
	}
	next := *d.federation
	if msg, ok := applyFederation(&next, body); !ok {
		l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", msg)
		return
	}
	*d.federation = next
	l.writeFederation(w, r, d, http.StatusOK)
}

// graphCreateFederation is POST /domains/{id}/federationConfiguration. It
// keeps Graph's trap: without a signingCertificate the call fails with 500
// yet leaves the domain Federated with no configuration.
func (l *Lab) graphCreateFederation(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if !l.readGraphJSON(w, r, &body) {
		return
	}
	d := l.domainRef(w, r)
	if d == nil {
		return
	}
	switch {
	case d.federation != nil:
		l.graphError(w, r, http.StatusConflict, "Request_BadRequest", "The domain already has a federation configuration.")
		return
	case d.IsDefault || d.IsInitial:
		l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Federating the default or initial domain is not allowed.")
		return
	}
	if s, _ := body["signingCertificate"].(string); s == "" {
		d.AuthenticationType = "Federated"
		l.graphError(w, r, http.StatusInternalServerError, "InternalServerError", "An internal server error occurred.")
		return
	}
	f := &federation{ODataType: "#microsoft.graph.internalDomainFederation", ID: guid("fed:" + l.TenantID + ":" + d.ID),
		PreferredAuthenticationProtocol: "wsFed", PromptLoginBehavior: "translateToFreshPasswordAuthentication",
		SigningCertificateUpdateStatus: map[string]any{"certificateUpdateResult": "Success", "lastRunDateTime": graphTime{l.now()}}}
	if msg, ok := applyFederation(f, body); !ok {
		l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", msg)
		return
	}
	d.federation, d.AuthenticationType = f, "Federated"
	l.writeFederation(w, r, d, http.StatusCreated)
}

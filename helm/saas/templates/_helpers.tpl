{{/*
Names, labels and the settings every service shares. The five services have one
shape, so the templates loop over "saas.services" instead of repeating themselves.
*/}}

{{- define "saas.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "saas.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Every application service, in a fixed order; the HTTP ones serve the contract. */}}
{{- define "saas.services" -}}
auth resources files admin worker
{{- end -}}
{{- define "saas.httpServices" -}}
auth resources files admin
{{- end -}}

{{- define "saas.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "saas.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: saas
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "auth") */}}
{{- define "saas.selectorLabels" -}}
app.kubernetes.io/name: {{ include "saas.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "saas.componentLabels" -}}
{{ include "saas.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The image of one service: (dict "root" $ "svc" "auth") */}}
{{- define "saas.imageTag" -}}
{{- $v := index .root.Values .svc -}}
{{- /* A numeric tag (--set auth.image.tag=20261207 gives a number) is a tag all the same. */ -}}
{{- $tag := default "" $v.image.tag -}}
{{- if kindIs "float64" $tag -}}
{{- /* A values file's number is a float (the schema admits whole ones only): print it whole. */ -}}
{{- $tag = int64 $tag -}}
{{- end -}}
{{- default .root.Chart.AppVersion (toString $tag) -}}
{{- end -}}

{{- define "saas.image" -}}
{{- $v := index .root.Values .svc -}}
{{- $tag := include "saas.imageTag" . -}}
{{- $digest := "" -}}
{{- with $v.image.digest }}{{ $digest = printf "@%s" . }}{{ end -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s%s" (trimSuffix "/" .root.Values.image.registry) $v.image.repository $tag $digest -}}
{{- else -}}
{{- printf "%s:%s%s" $v.image.repository $tag $digest -}}
{{- end -}}
{{- end -}}

{{/*
A process count variable of one service: (dict "name" "WEB_CONCURRENCY" "v" $v). The
explicit <svc>.processes, else the CPU limit rounded up, else the CPU request: never the
downward API's limits.cpu without a limit, which is the node's allocatable cores.
*/}}
{{- define "saas.processesEnv" -}}
- name: {{ .name }}
{{- if .v.processes }}
  value: {{ .v.processes | toString | quote }}
{{- else }}
  valueFrom:
    resourceFieldRef:
      resource: {{ ternary "limits.cpu" "requests.cpu" (hasKey (default dict .v.resources.limits) "cpu") }}
      divisor: "1"
{{- end }}
{{- end -}}

{{- define "saas.secretName" -}}
{{- default (include "saas.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "saas.jwtSecretName" -}}
{{- default (printf "%s-jwt-keys" (include "saas.fullname" .)) .Values.jwt.existingSecret -}}
{{- end -}}

{{- define "saas.jwtIssuer" -}}
{{- default (printf "http://%s-auth:%v" (include "saas.fullname" .) .Values.auth.port) .Values.config.jwtIssuer -}}
{{- end -}}

{{/*
The Django service's ALLOWED_HOSTS: the operator's public names, then every name the
chart's own callers use: the Service's DNS names (helm test, other pods, other
namespaces) and tests.serviceHost. The pod's IP is added in its container (downward API).
*/}}
{{- define "saas.adminAllowedHosts" -}}
{{- $svc := printf "%s-admin" (include "saas.fullname" .) -}}
{{- $ns := .Release.Namespace -}}
{{- $hosts := concat .Values.config.allowedHosts (list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns .Values.clusterDomain)) -}}
{{- with .Values.tests.serviceHost }}{{ $hosts = append $hosts . }}{{ end -}}
{{- join "," (uniq $hosts) -}}
{{- end -}}

{{/*
ingress-nginx's settings for the uploads: its default body limit is 1 MiB and it buffers
every request body before passing it on (the services stream uploads and check them
chunk by chunk). The limit is a whole multipart body for a file at config.maxUploadBytes:
the file plus saaskit.files.uploads.ENVELOPE_BYTES (64 KiB) for boundaries and part
headers, so the services answer 413 (problem+json) at the contract's limit, not the
controller. ingress.annotations of the same name win.
*/}}
{{- define "saas.ingressNginxUploads" -}}
nginx.ingress.kubernetes.io/proxy-body-size: {{ add (int64 .Values.config.maxUploadBytes) 65536 | toString | quote }}
nginx.ingress.kubernetes.io/proxy-request-buffering: "off"
{{- end -}}

{{/*
The contract's path prefixes and the FastAPI service that serves each (the Ingress and
the HTTPRoute route them). The Django twin serves the same prefixes on its own host,
plus its admin, static files and API document; never /metrics, /healthz or /readyz,
which only the kubelet and Prometheus ask, at the pod.
*/}}
{{- define "saas.apiRoutes" -}}
- {path: /auth, service: auth}
- {path: /.well-known, service: auth}
- {path: /users, service: resources}
- {path: /posts, service: resources}
- {path: /comments, service: resources}
- {path: /jobs, service: resources}
- {path: /files, service: files}
{{- end -}}
{{- define "saas.adminPaths" -}}
{{- range $r := include "saas.apiRoutes" . | fromYamlArray }}
- {{ $r.path }}
{{- end }}
- /admin
- /static
- /docs
- /openapi.json
{{- end -}}
{{/*
The FastAPI side's staff admin (SQLAdmin, mounted on the resources service), routed on
the admin host beside Django's /admin: both admins on the staff-facing name, the API host
the contract's alone. Apart from the two lists above (the contract's and Django's).
*/}}
{{- define "saas.staffAdminRoutes" -}}
- {path: /sqladmin, service: resources}
{{- end -}}

{{/* The plain settings (ConfigMap data, and the migration Job's inline env). */}}
{{- define "saas.plainEnv" -}}
{{- $fullname := include "saas.fullname" . -}}
{{- $c := .Values.config -}}
{{- $s3 := $c.storage.s3Endpoint -}}
{{- if and (not $s3) .Values.minio.enabled -}}
{{- $s3 = printf "%s-minio:9000" $fullname -}}
{{- end -}}
APP_ENVIRONMENT: {{ $c.environment | quote }}
APP_LOG_LEVEL: {{ $c.logLevel | quote }}
APP_JWT_ISSUER: {{ include "saas.jwtIssuer" . | quote }}
APP_JWT_AUDIENCE: {{ $c.jwtAudience | quote }}
APP_JWKS_URL: {{ default (printf "http://%s-auth:%v/.well-known/jwks.json" $fullname .Values.auth.port) $c.jwksUrl | quote }}
APP_ALLOWED_HOSTS: {{ join "," $c.allowedHosts | quote }}
APP_CSRF_TRUSTED_ORIGINS: {{ join "," $c.csrfTrustedOrigins | quote }}
APP_HSTS_SECONDS: {{ $c.hstsSeconds | int64 | quote }}
APP_SECURE_PROXY_SSL_HEADER: {{ $c.secureProxySslHeader | quote }}
APP_SECURE_SSL_REDIRECT: {{ $c.secureSslRedirect | quote }}
FORWARDED_ALLOW_IPS: {{ $c.forwardedAllowIps | quote }}
APP_TRUSTED_PROXIES: {{ join "," $c.trustedProxies | quote }}
APP_STORAGE_BACKEND: "s3"
APP_S3_ENDPOINT: {{ $s3 | quote }}
APP_S3_SECURE: {{ $c.storage.s3Secure | quote }}
APP_S3_BUCKET: {{ $c.storage.s3Bucket | quote }}
APP_S3_REGION: {{ $c.storage.s3Region | quote }}
APP_S3_PUBLIC_ENDPOINT: {{ $c.storage.s3PublicEndpoint | default "" | quote }}
APP_MAX_UPLOAD_BYTES: {{ $c.maxUploadBytes | int64 | quote }}
APP_FRONTEND_URL: {{ $c.frontendUrl | quote }}
APP_EMAIL_BACKEND: {{ $c.email.backend | quote }}
APP_EMAIL_FROM: {{ $c.email.from | quote }}
APP_SMTP_HOST: {{ $c.email.smtpHost | quote }}
APP_SMTP_PORT: {{ $c.email.smtpPort | int64 | quote }}
APP_SMTP_USERNAME: {{ $c.email.smtpUsername | quote }}
{{- if $c.otel.exporterOtlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ $c.otel.exporterOtlpEndpoint | quote }}
{{- end }}
{{- range $k, $v := $c.extraEnv }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end -}}

{{/*
The secret settings. Empty values fall back to the in-chart dependencies; Django's
secret key, when not given, is generated once and kept (lookup of the live Secret).
*/}}
{{- define "saas.secretData" -}}
{{- $fullname := include "saas.fullname" . -}}
{{- $s := .Values.secrets -}}
{{- $db := $s.databaseUrl -}}
{{- if and (not $db) .Values.postgresql.enabled -}}
{{- $p := .Values.postgresql -}}
{{- $db = printf "postgresql://%s:%s@%s-postgresql:5432/%s" $p.username $p.password $fullname $p.database -}}
{{- end -}}
{{- $redis := $s.redisUrl -}}
{{- if and (not $redis) .Values.redis.enabled -}}
{{- $redis = printf "redis://%s-redis:6379/0" $fullname -}}
{{- end -}}
{{- $access := $s.s3AccessKey -}}
{{- $secretS3 := $s.s3SecretKey -}}
{{- if .Values.minio.enabled -}}
{{- $access = default .Values.minio.rootUser $access -}}
{{- $secretS3 = default .Values.minio.rootPassword $secretS3 -}}
{{- end -}}
{{- $key := $s.secretKey -}}
{{- if not $key -}}
{{- $live := lookup "v1" "Secret" .Release.Namespace $fullname -}}
{{- if and $live $live.data (hasKey $live.data "APP_SECRET_KEY") -}}
{{- $key = b64dec (index $live.data "APP_SECRET_KEY") -}}
{{- else -}}
{{- $key = randAlphaNum 50 -}}
{{- end -}}
{{- end -}}
APP_DATABASE_URL: {{ $db | b64enc | quote }}
APP_REDIS_URL: {{ $redis | b64enc | quote }}
APP_SECRET_KEY: {{ $key | b64enc | quote }}
APP_S3_ACCESS_KEY: {{ $access | b64enc | quote }}
APP_S3_SECRET_KEY: {{ $secretS3 | b64enc | quote }}
APP_SMTP_PASSWORD: {{ $s.smtpPassword | b64enc | quote }}
{{- end -}}

{{/*
Refuse, at render time, a production install whose secrets are placeholders: the
services would refuse to start anyway, but later and one pod at a time.
*/}}
{{- define "saas.validate" -}}
{{- $placeholder := "change-me" -}}
{{- if eq .Values.config.environment "production" -}}
{{- if not .Values.secrets.existingSecret -}}
{{- $s := .Values.secrets -}}
{{- range $name := list "databaseUrl" "redisUrl" "secretKey" "s3AccessKey" "s3SecretKey" -}}
{{- $v := index $s $name -}}
{{- if or (not $v) (contains $placeholder $v) -}}
{{- fail (printf "production values: secrets.%s is empty or still the placeholder %q; set it (e.g. --set secrets.%s=...) or name a Secret in secrets.existingSecret" $name $placeholder $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (not .Values.jwt.existingSecret) (not .Values.jwt.generateInProduction) -}}
{{- fail "production values: jwt.existingSecret is empty, so the chart would generate the signing key at render time; under helm template, ArgoCD or helm diff that is a new key at every render (every user logged out at each sync). Make the Secret once (openssl genpkey -algorithm ed25519 -out 0001.pem && kubectl create secret generic saas-jwt --from-file=0001.pem, or an ExternalSecret / SealedSecret with a 0001.pem key) and set jwt.existingSecret=saas-jwt; or, for an install by the helm CLI only, set jwt.generateInProduction=true" -}}
{{- end -}}
{{- if or .Values.postgresql.enabled .Values.redis.enabled .Values.minio.enabled -}}
{{- fail "production values: the in-chart postgresql, redis and minio are for development only; disable them and point secrets at external services" -}}
{{- end -}}
{{- end -}}
{{- /* Django refuses to start without them outside development: refuse the render first. */ -}}
{{- if ne .Values.config.environment "development" -}}
{{- if not .Values.config.allowedHosts -}}
{{- fail (printf "%s values: config.allowedHosts (Django ALLOWED_HOSTS) must not be empty outside development (the admin service would refuse to start)" .Values.config.environment) -}}
{{- end -}}
{{- if not .Values.config.csrfTrustedOrigins -}}
{{- fail (printf "%s values: config.csrfTrustedOrigins must not be empty outside development (the admin service would refuse to start)" .Values.config.environment) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Refuse to render an object whose API the cluster does not serve, naming the value that
asked for it: (dict "root" $ "api" "monitoring.coreos.com/v1/ServiceMonitor" "value"
"metrics.serviceMonitor.enabled" "from" "the Prometheus Operator's CRDs"). helm install,
helm upgrade, ArgoCD and Flux see the cluster's APIs; helm template and helm lint only the
built-in ones unless given --api-versions. checkApis=false skips the check.
*/}}
{{- define "saas.requireApi" -}}
{{- if and .root.Values.checkApis (not (.root.Capabilities.APIVersions.Has .api)) -}}
{{- fail (printf "%s is on, but the cluster serves no %s (%s): install them first, or turn %s off. Rendering offline (helm template)? Pass --api-versions %s, or set checkApis=false" .value .api .from .value .api) -}}
{{- end -}}
{{- end -}}

{{/*
OTEL_RESOURCE_ATTRIBUTES of one service's container: (dict "root" $ "svc" "auth").
service.namespace is the release's name (this installation of the backend),
service.version the image tag, deployment.environment.name config.environment; the pod
and namespace come from the downward API ($(K8S_POD_NAME), defined before it), then
config.otel.resourceAttributes. Values must not hold "," or "=" (the variable's syntax).
*/}}
{{- define "saas.otelResourceAttributes" -}}
{{- $attrs := list
      (printf "service.namespace=%s" (include "saas.fullname" .root))
      (printf "service.version=%s" (include "saas.imageTag" .))
      (printf "deployment.environment.name=%s" .root.Values.config.environment)
      "k8s.namespace.name=$(K8S_NAMESPACE_NAME)"
      "k8s.pod.name=$(K8S_POD_NAME)"
      (printf "k8s.deployment.name=%s-%s" (include "saas.fullname" .root) .svc)
      (printf "k8s.container.name=%s" .svc) -}}
{{- range $k, $val := .root.Values.config.otel.resourceAttributes -}}
{{- $attrs = append $attrs (printf "%s=%s" $k $val) -}}
{{- end -}}
{{- join "," $attrs -}}
{{- end -}}

{{/* The port of the OTLP endpoint: its own, else 443 for https, else 4318 (OTLP/HTTP). */}}
{{- define "saas.otlpPort" -}}
{{- $url := urlParse .Values.config.otel.exporterOtlpEndpoint -}}
{{- $port := regexFind "[0-9]+$" (regexFind ":[0-9]+$" $url.host) -}}
{{- default (ternary "443" "4318" (eq $url.scheme "https")) $port -}}
{{- end -}}

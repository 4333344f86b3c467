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
{{- define "saas.image" -}}
{{- $v := index .root.Values .svc -}}
{{- $tag := default .root.Chart.AppVersion $v.image.tag -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) $v.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $v.image.repository $tag -}}
{{- end -}}
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
{{- if or .Values.postgresql.enabled .Values.redis.enabled .Values.minio.enabled -}}
{{- fail "production values: the in-chart postgresql, redis and minio are for development only; disable them and point secrets at external services" -}}
{{- end -}}
{{- if not .Values.config.allowedHosts -}}
{{- fail "production values: config.allowedHosts (Django ALLOWED_HOSTS) must not be empty" -}}
{{- end -}}
{{- if not .Values.config.csrfTrustedOrigins -}}
{{- fail "production values: config.csrfTrustedOrigins must not be empty" -}}
{{- end -}}
{{- end -}}
{{- end -}}

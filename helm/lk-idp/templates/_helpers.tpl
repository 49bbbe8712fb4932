{{- define "lk-idp.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lk-idp.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "lk-idp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "lk-idp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* selector labels; pass (dict "root" $ "component" "web") */}}
{{- define "lk-idp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lk-idp.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lk-idp.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "lk-idp.configMapName" -}}
{{ include "lk-idp.fullname" . }}-settings
{{- end -}}

{{- define "lk-idp.multiprocDir" -}}
/var/run/lk-idp/prometheus
{{- end -}}

{{/* a setting's value as the app reads it: YAML numbers arrive as floats, and 2592000 must not become 2.592e+06 */}}
{{- define "lk-idp.settingValue" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) -}}
{{- int64 . | toString | quote -}}
{{- else -}}
{{- . | toString | quote -}}
{{- end -}}
{{- end -}}

{{/* IDP_* settings from values, as env entries (the migration hook cannot use the ConfigMap: it runs before it exists) */}}
{{- define "lk-idp.settingsEnv" -}}
{{- range $name, $value := .Values.settings }}
{{- if not (kindIs "invalid" $value) }}
- name: IDP_{{ upper $name }}
  value: {{ include "lk-idp.settingValue" $value }}
{{- end }}
{{- end }}
{{- end -}}

{{/* settings every pod computes from the chart itself */}}
{{- define "lk-idp.derivedSettings" -}}
IDP_BIND: {{ printf "0.0.0.0:%d" (int .Values.containerPort) | quote }}
{{- if and .Values.signingKeys.existingSecret .Values.signingKeys.files }}
IDP_SIGNING_KEY_FILES: {{ include "lk-idp.signingKeyFiles" . | quote }}
{{- end }}
{{- end -}}

{{- define "lk-idp.signingKeyFiles" -}}
{{- $paths := list -}}
{{- range .Values.signingKeys.files -}}
{{- $paths = append $paths (printf "/etc/lk-idp/signing-keys/%s" .) -}}
{{- end -}}
{{- join "," $paths -}}
{{- end -}}

{{/* IDP_* settings from existing Secrets */}}
{{- define "lk-idp.secretEnv" -}}
{{- range $name, $ref := .Values.secretSettings }}
- name: IDP_{{ upper $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.secretName }}
      key: {{ $ref.key }}
      {{- if $ref.optional }}
      optional: true
      {{- end }}
{{- end }}
{{- end -}}

{{/* everything a container of the app needs in its environment; pass (dict "root" $ "inline" bool) */}}
{{- define "lk-idp.env" -}}
{{- if .inline }}
{{- include "lk-idp.settingsEnv" .root }}
{{- range $name, $value := (include "lk-idp.derivedSettings" .root | fromYaml) }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}
{{- include "lk-idp.secretEnv" .root }}
{{- end -}}

{{- define "lk-idp.envFrom" -}}
- configMapRef:
    name: {{ include "lk-idp.configMapName" . }}
{{- end -}}

{{- define "lk-idp.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: prometheus
  mountPath: {{ include "lk-idp.multiprocDir" . }}
{{- if .Values.signingKeys.existingSecret }}
- name: signing-keys
  mountPath: /etc/lk-idp/signing-keys
  readOnly: true
{{- end }}
{{- end -}}

{{- define "lk-idp.volumes" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
- name: prometheus
  emptyDir:
    medium: Memory
    sizeLimit: 32Mi
{{- if .Values.signingKeys.existingSecret }}
- name: signing-keys
  secret:
    secretName: {{ .Values.signingKeys.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{/* the migration hook runs before the release's ServiceAccount exists: it uses the namespace default */}}
{{- define "lk-idp.podSpecCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  {{- include "lk-idp.volumes" . | nindent 2 }}
{{- end -}}

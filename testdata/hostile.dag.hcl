# Hostile strings in commands, env, outputs and params. Every task writes
# its hostile input, unchanged, to an output, so each engine's result can be
# compared byte for byte. Nothing here may be interpreted by any engine:
# not by a shell, Jinja, Argo templating, Python, YAML or States.Format.
pipeline "hostile" {
  description = "Hostile \"strings\" {{ x }} {% y %} $HOME `id` '''"
  tags        = ["{{ tag }}", "yes", "*a"]

  defaults {
    image = "alpine:3.20"
    env = {
      DEFAULT_HOSTILE = "{{ ds }} $HOME 'q' \"dq\""
    }
  }
}

param "text" {
  type        = string
  default     = "it's \"quoted\" {{ params.text }} {% raw %} $HOME $${HOME} `id` \\ end"
  description = "A hostile {{ default }} with 'quotes'"
}

locals {
  # Keys are safe names; values are hostile. Each becomes one instance of
  # task "echo" and one output value.
  hostile = {
    quotes      = "single ' double \" triple ''' \"\"\" mixed '\"'"
    backslashes = "back\\slash \\n not-a-newline \\\\ double \\\" escaped-quote \\"
    jinja       = "{{ params.x }} {% if true %}x{% endif %} {# comment #} {{ '{{' }}"
    argo        = "{{workflow.parameters.x}} {{inputs.parameters.y}} {{=sprig.env('HOME')}}"
    shell       = "$(id) `uname` $HOME $${HOME} ; rm -rf /nonexistent && echo pwned | cat > /dev/null"
    newlines    = "line1\nline2\n\ttabbed\n  indented"
    unicode     = "héllo wörld ☃ 日本語 🎉 ñ ü"
    dot_sh      = "deploy.sh"
    yaml_yes    = "yes"
    yaml_on     = "on"
    yaml_tilde  = "~"
    yaml_null   = "null"
    yaml_number = "1e3"
    yaml_dash   = "-"
    yaml_alias  = "*a"
    yaml_anchor = "&a"
    yaml_hash   = "#"
    yaml_colon  = "key: value"
    yaml_flow   = "[a, {b: c}]"
    yaml_bang   = "!tag value"
    empty       = ""
    spaces      = "  leading and trailing  "
    states      = "States.Format('{}', $.x) $.x $$.Execution.Id States.StringToJson('{}')"
    python      = "\"\"\"; import os; os.system('id') # ''' \\x00"
    percent     = "%d %s %% %%{ 100%"
  }
}

task "echo" {
  for_each = local.hostile
  command  = ["sh", "-c", "printf %s \"$1\" > \"$DAGC_OUTPUTS/value\"", "echo", each.value]
  outputs  = ["value"]
}

task "class" {
  command = ["sh", "-c", "printf %s \"$1\" > \"$DAGC_OUTPUTS/value\"", "class", param.text]
  outputs = ["value"]
}

task "import" {
  command = ["sh", "-c", "printf %s \"$HOSTILE|$DEFAULT_HOSTILE\" > \"$DAGC_OUTPUTS/value\""]
  env = {
    HOSTILE = "${local.hostile.quotes}|${local.hostile.jinja}|${local.hostile.shell}|${param.text}"
  }
  outputs = ["value"]
}

task "None" {
  # Passes another task's hostile output on unchanged.
  command = ["sh", "-c", "printf %s \"$1\" > \"$DAGC_OUTPUTS/value\"", "None", task.class.outputs.value]
  outputs = ["value"]
}

task "script-heredoc" {
  # The script text itself is hostile; a quoted here-document keeps the
  # shell from expanding it.
  script  = <<-EOT
    cat > "$DAGC_OUTPUTS/value" <<'HOSTILE_END'
    {{ x }} {% y %} {# z #} $HOME $${HOME} `id` $(id) 'single' "double" \back %%{ States.Format('{}') $.x
    HOSTILE_END
  EOT
  outputs = ["value"]
}

task "with_dot_sh" {
  # Airflow's BashOperator treats a command ending in .sh as a template file.
  command = ["sh", "-c", "printf %s \"$1\" > \"$DAGC_OUTPUTS/value\"; echo run.sh", "with_dot_sh", "script.sh"]
  outputs = ["value"]
}

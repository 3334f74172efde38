# imgcolor-settings.sh: sourced by imgcolor-nginx-conf and imgcolor-serve. Reads a
# settings file (imgcolor.env) into the environment: KEY=VALUE lines, optionally quoted,
# '#' comments; only IMGCOLOR_* names are taken, nothing is evaluated, and a variable
# already in the environment keeps its value.
imgcolor_load_settings() {
    if [ ! -r "$1" ]; then
        echo "imgcolor: cannot read $1" >&2
        return 1
    fi
    _n=0
    while IFS= read -r _line || [ -n "$_line" ]; do
        _n=$((_n + 1))
        case $_line in '' | '#'*) continue ;; esac
        _key=${_line%%=*}
        _value=${_line#*=}
        case $_key in
        IMGCOLOR_*) ;;
        *) echo "imgcolor: $1:$_n: expected IMGCOLOR_NAME=VALUE" >&2; return 1 ;;
        esac
        case $_key in *[!A-Z0-9_]*) echo "imgcolor: $1:$_n: bad name $_key" >&2; return 1 ;; esac
        case $_value in
        \"*\") _value=${_value#\"}; _value=${_value%\"} ;;
        \'*\') _value=${_value#\'}; _value=${_value%\'} ;;
        esac
        if eval "[ -z \"\${$_key+set}\" ]"; then
            export "$_key=$_value"
        fi
    done <"$1"
}

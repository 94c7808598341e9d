/*
 * The editor helpers every dialog of @ccm-bridge/node-red-exstream-xecm shares: lookups (dropdowns filled from the
 * deployed connection when the dialog opens), the connection row, duration fields (value + unit, stored in ms),
 * select fields that may hold an environment variable, section headings and TypedInputs.
 *
 * Node-RED serves this file from the package's resources/ folder at resources/<package name>/editor.js; the two
 * connection config nodes' .html load it (every other node needs one of them), and it defines itself only once.
 * The dialogs call it from oneditprepare, so the order in which Node-RED loads the node sets does not matter.
 * Its texts live in the cs-config catalogue under "cs-config.editor".
 */
(function () {
  "use strict";
  if (window.ccmBridgeEditor) return;

  var NS = "@ccm-bridge/node-red-exstream-xecm/cs-config:cs-config.editor.";
  var UNITS = [
    { unit: "h", ms: 3600000 },
    { unit: "min", ms: 60000 },
    { unit: "s", ms: 1000 },
    { unit: "ms", ms: 1 },
  ];
  var PLAIN_NUMBER = /^\s*\d+(\.\d+)?\s*$/;
  var ENV_REFERENCE = /^\s*\$\{([A-Za-z_][A-Za-z0-9_]*)\}\s*$/;

  function t(key, params) {
    return RED._(NS + key, params);
  }

  $("<style/>")
    .attr("id", "ccm-bridge-editor-style")
    .text(
      [
        ".ccm-section { margin: 18px 0 8px; padding-bottom: 2px; font-weight: bold;",
        "  border-bottom: 1px solid var(--red-ui-secondary-border-color, #ddd); }",
        ".ccm-section:first-child { margin-top: 0; }",
        ".ccm-hint { margin-left: 104px; font-size: 0.9em; color: var(--red-ui-secondary-text-color, #777); }",
        ".ccm-lookup-status { margin-left: 104px; font-size: 0.9em; color: var(--red-ui-secondary-text-color, #777); }",
        ".ccm-lookup-status.ccm-lookup-failed { color: var(--red-ui-text-color-error, #d6615f); }",
        ".ccm-lookup-pick { width: 25%; margin-left: 4px; }",
        ".ccm-duration-value { width: 90px !important; }",
        ".ccm-duration-unit { width: 80px !important; margin-left: 4px; }",
        // The box sits on the first line of its text (13 px box, 20 px line), however many lines the text takes.
        ".ccm-check { display: inline-flex; align-items: flex-start; gap: 6px; width: 70%; vertical-align: top; }",
        ".ccm-check input[type=checkbox] { width: auto; margin: 3px 0 0 0; flex: none; }",
        ".ccm-check span { white-space: normal; line-height: 20px; }",
        ".ccm-browse { margin-left: 4px; }",
        ".ccm-browse-panel { margin: -6px 0 12px 104px; padding: 6px; max-height: 220px; overflow-y: auto;",
        "  border: 1px solid var(--red-ui-secondary-border-color, #ddd); border-radius: 4px; }",
        ".ccm-browse-head { display: flex; align-items: center; gap: 6px; margin-bottom: 4px; }",
        ".ccm-browse-current { flex: 1; font-weight: bold; }",
        ".ccm-browse-list { margin: 0 0 0 18px; }",
      ].join("\n"),
    )
    .appendTo("head");

  /** The dialog's connection, when deployed unchanged: lookups run on the server through its client. */
  function deployedConnection() {
    var id = $("#node-input-server").val();
    var config = id && id !== "_ADD_" ? RED.nodes.node(id) : null;
    return config && !config.changed ? id : "";
  }

  /**
   * The one status line of a dialog's lookups, right under the connection row: hidden when there is nothing to say
   * (no empty row), otherwise "loading…", "deploy the connection first" or the failure.
   */
  function status(key, params) {
    var $status = $(".ccm-lookup-status");
    $status.removeClass("ccm-lookup-failed");
    if (!key) return $status.text("").hide();
    if (key === "failed") $status.addClass("ccm-lookup-failed");
    return $status.text(t("lookup." + key, params)).show();
  }

  var pending = 0;
  /** GET <type>/<connection>/<path> (the node type's lookup routes, nodes/lib/node-red/lookups.ts). */
  function lookup(node, path, done) {
    var server = deployedConnection();
    if (!server) return void status($("#node-input-server").val() ? "deploy" : undefined);
    pending++;
    status("loading");
    $.getJSON(node.type + "/" + encodeURIComponent(server) + "/" + path)
      .done(function (answer) {
        if (--pending === 0) status();
        done(answer);
      })
      .fail(function (xhr) {
        pending--;
        var message = (xhr.responseJSON && xhr.responseJSON.message) || xhr.statusText || "";
        status("failed", { message: message });
      });
  }

  /** "2000 — Enterprise Workspace": the id beside the name, so both can be recognised. */
  function idAndName(entry) {
    return entry.id !== undefined && String(entry.id) !== entry.name ? entry.id + " — " + entry.name : entry.name;
  }

  /**
   * A dropdown beside a text field, filled by a lookup: picking an entry writes it into the field (or appends it to
   * a comma-separated list with `multiple`). The field stays editable for `${ENV}` references and values the
   * server does not list yet. Returns a loader: call it to (re)load; `options.load` runs it on open and whenever
   * the connection changes.
   */
  function lookupSelect(node, options) {
    var $input = $(options.input);
    var $pick = $("<select/>", { class: "ccm-lookup-pick" }).insertAfter(
      $input.data("noderedTypedInput") ? $input.next(".red-ui-typedInput-container") : $input,
    );
    if (options.id) $pick.attr("id", options.id);
    var width = options.width || "45%";
    if ($input.data("noderedTypedInput")) $input.typedInput("width", width);
    else $input.css("width", width);
    var placeholder = $("<option/>", { value: "" }).text(t("lookup.pick"));
    function fill(entries) {
      $pick.empty().append(placeholder.clone());
      entries.forEach(function (e) {
        $("<option/>")
          .attr("value", (options.value || defaultValue)(e))
          .text((options.label || idAndName)(e))
          .appendTo($pick);
      });
    }
    fill([]);
    $pick.on("change", function () {
      var value = $pick.val();
      $pick.val("");
      if (!value) return;
      var current = typed() ? $input.typedInput("value") : $input.val();
      var next = options.multiple && current.trim() ? current.trim() + ", " + value : value;
      if (typed()) {
        if (options.typedType) $input.typedInput("type", options.typedType);
        $input.typedInput("value", next);
      } else $input.val(next);
      $input.trigger("change");
    });
    function typed() {
      return !!$input.data("noderedTypedInput");
    }
    /** One path, or several whose answers are merged (the steps of several workflow maps). */
    function load() {
      var paths = [].concat(typeof options.path === "function" ? options.path() : options.path).filter(Boolean);
      var merged = [];
      var seen = {};
      fill([]);
      paths.forEach(function (path) {
        lookup(node, path, function (answer) {
          (options.entries ? options.entries(answer) : answer).forEach(function (e) {
            var key = (options.value || defaultValue)(e);
            if (!seen[key]) merged.push(e);
            seen[key] = true;
          });
          fill(merged);
        });
      });
    }
    if (options.load !== false) {
      load();
      $("#node-input-server").on("change", load);
    }
    return load;
  }

  /**
   * A folder browser beside a folder id field: a button opens a panel under the row with the current folder (the
   * field's id, else the Enterprise volume), its parent and its sub-folders; "use this folder" writes the id.
   */
  function folderBrowser(node, options) {
    var $input = $(options.input);
    var $button = $("<button/>", { type: "button", class: "red-ui-button ccm-browse", title: t("browse.button") })
      .append($("<i/>", { class: "fa fa-folder-open-o" }))
      .insertAfter($input.data("noderedTypedInput") ? $input.next(".red-ui-typedInput-container") : $input);
    if (options.id) $button.attr("id", options.id);
    if ($input.data("noderedTypedInput")) $input.typedInput("width", "62%");
    var $panel = $("<div/>", { class: "ccm-browse-panel" }).hide().insertAfter($button.closest(".form-row"));
    function value() {
      return String($input.data("noderedTypedInput") ? $input.typedInput("value") : $input.val()).trim();
    }
    function show(folder) {
      lookup(node, "folders/" + encodeURIComponent(folder), function (answer) {
        $panel.empty().show();
        var $head = $("<div/>", { class: "ccm-browse-head" }).appendTo($panel);
        if (answer.parentId && answer.parentId > 0) {
          $("<button/>", {
            type: "button",
            class: "red-ui-button red-ui-button-small ccm-browse-up",
            title: t("browse.up"),
          })
            .append($("<i/>", { class: "fa fa-level-up" }))
            .on("click", function () {
              show(String(answer.parentId));
            })
            .appendTo($head);
        }
        $("<span/>", { class: "ccm-browse-current" }).text(idAndName(answer)).appendTo($head);
        $("<button/>", { type: "button", class: "red-ui-button red-ui-button-small ccm-browse-choose" })
          .text(t("browse.choose"))
          .on("click", function () {
            if ($input.data("noderedTypedInput")) {
              $input.typedInput("type", "num");
              $input.typedInput("value", String(answer.id));
            } else $input.val(String(answer.id));
            $input.trigger("change");
            $panel.hide();
          })
          .appendTo($head);
        var $list = $("<ul/>", { class: "ccm-browse-list" }).appendTo($panel);
        answer.folders.forEach(function (f) {
          $("<li/>")
            .append($("<a/>", { href: "#" }).text(idAndName(f)))
            .on("click", function (e) {
              e.preventDefault();
              show(String(f.id));
            })
            .appendTo($list);
        });
      });
    }
    $button.on("click", function () {
      if ($panel.is(":visible")) return void $panel.hide();
      show(/^\d+$/.test(value()) ? value() : "root");
    });
  }

  function defaultValue(entry) {
    return entry.name;
  }

  /**
   * A duration field: value + unit (ms/s/min/h). The stored property keeps its name and its unit (ms, or s with
   * data-ccm-duration="s"): the widget converts, so saved flows are unaffected. `${ENV}` and other text is kept as
   * typed.
   */
  function duration(field) {
    var $store = $(field);
    // A config node's dialog opens over a node's dialog: prepare() must not convert the fields below twice.
    if ($store.data("ccmDurationReady")) return;
    $store.data("ccmDurationReady", true);
    var base = $store.attr("data-ccm-duration") === "s" ? 1000 : 1;
    var units = UNITS.filter(function (u) {
      return u.ms >= base;
    });
    var $value = $("<input/>", { type: "text", class: "ccm-duration-value" });
    var $unit = $("<select/>", { class: "ccm-duration-unit" });
    units
      .slice()
      .reverse()
      .forEach(function (u) {
        $("<option/>")
          .attr("value", u.unit)
          .text(t("unit." + u.unit))
          .appendTo($unit);
      });
    $store.hide().after($unit).after($value);
    var stored = String($store.val() || "").trim();
    var shown = { value: stored, unit: units[units.length - 1].unit };
    if (/^\d+$/.test(stored) && Number(stored) > 0) {
      var ms = Number(stored) * base;
      var unit = units.filter(function (u) {
        return ms % u.ms === 0;
      })[0];
      shown = { value: String(ms / unit.ms), unit: unit.unit };
    }
    $value.val(shown.value);
    $unit.val(shown.unit);
    function write() {
      var text = String($value.val() || "").trim();
      var factor = units.filter(function (u) {
        return u.unit === $unit.val();
      })[0].ms;
      $store.val(PLAIN_NUMBER.test(text) ? String(Math.round((Number(text) * factor) / base)) : text).trigger("change");
      mirror();
    }
    function mirror() {
      $value.toggleClass("input-error", $store.hasClass("input-error"));
    }
    $value.on("change", write);
    $unit.on("change", write);
    setTimeout(mirror, 0);
  }

  /**
   * A select whose stored value may also be `${VAR}`: offers "from environment variable" with the variable's name,
   * so a value such as `${CS_AUTH_MODE}` shows as itself and is kept unchanged when the dialog is closed.
   */
  function envSelect(select, stored, defaultName, onChange) {
    var $select = $(select);
    var match = ENV_REFERENCE.exec(stored || "");
    var $option = $("<option/>")
      .attr("value", "${" + (match ? match[1] : defaultName) + "}")
      .text(t("env.option"))
      .appendTo($select);
    // The variable's name in a row of its own under the select, aligned with the fields (an empty label before it).
    var $row = $('<div class="form-row"><label></label> </div>').insertAfter($select.closest(".form-row"));
    var $name = $("<input/>", { type: "text", class: "ccm-env-name", placeholder: defaultName })
      .val(match ? match[1] : defaultName)
      .appendTo($row);
    if (match) $select.val(stored);
    function show() {
      $row.toggle($select.val() === $option.attr("value"));
      if (onChange) onChange(isEnv($select.val()) ? "env" : $select.val());
    }
    $name.on("change", function () {
      var name = String($name.val() || "").trim() || defaultName;
      $option.attr("value", "${" + name + "}");
      $select.val($option.attr("value")).trigger("change");
    });
    $select.on("change", show);
    show();
  }

  function isEnv(value) {
    return ENV_REFERENCE.test(value || "");
  }

  /** Section headings: `<div class="ccm-section" data-ccm-section="target"></div>` in a template. */
  function sections() {
    $(".ccm-section[data-ccm-section]").each(function () {
      $(this).text(t("section." + $(this).attr("data-ccm-section")));
    });
  }

  /** TypedInputs of a node's dialog: {prop: types}, each stored with its `<prop>Type` field, default its first type. */
  function typedInputs(table) {
    Object.keys(table).forEach(function (prop) {
      $("#node-input-" + prop).typedInput({
        default: table[prop][0],
        types: table[prop],
        typeField: "#node-input-" + prop + "Type",
      });
    });
  }

  /**
   * What every dialog does first: properties the stored node lacks (flows saved before they existed) take their
   * defaults, as the dialog shows them, so that closing it without a change changes nothing; section headings; the
   * lookup status line after the connection row; the duration fields (`data-ccm-duration` on the stored input).
   */
  function prepare(node) {
    if (node && node._def) {
      Object.keys(node._def.defaults).forEach(function (prop) {
        var d = node._def.defaults[prop];
        if (node[prop] !== undefined) return;
        // A config node reference without a value is "none", as the dialog's select saves it.
        if (d.type) return void (node[prop] = "");
        if (d.value === undefined) return;
        node[prop] = JSON.parse(JSON.stringify(d.value));
        var $input = $("#" + (node._def.category === "config" ? "node-config-input-" : "node-input-") + prop);
        if ($input.is("[type=checkbox]")) $input.prop("checked", d.value === true);
        else if (typeof d.value !== "object") $input.val(d.value);
      });
    }
    // A secret the server holds nothing for (a node never deployed with one) is "none", as the empty field saves it.
    if (node && node._def && node._def.credentials && node.credentials) {
      Object.keys(node._def.credentials).forEach(function (cred) {
        if (node._def.credentials[cred].type !== "password") return;
        if (node.credentials["has_" + cred] === undefined && !node.credentials[cred]) {
          node.credentials["has_" + cred] = false;
        }
      });
    }
    sections();
    var $connection = $("#node-input-server").closest(".form-row");
    if ($connection.length && !$(".ccm-lookup-status").length) {
      $("<div/>", { class: "form-row ccm-lookup-status" }).hide().insertAfter($connection);
    }
    $("[data-ccm-duration]").each(function () {
      duration(this);
    });
  }

  window.ccmBridgeEditor = {
    prepare: prepare,
    lookup: lookup,
    lookupSelect: lookupSelect,
    idAndName: idAndName,
    folderBrowser: folderBrowser,
    duration: duration,
    envSelect: envSelect,
    isEnv: isEnv,
    typedInputs: typedInputs,
    status: status,
  };
})();

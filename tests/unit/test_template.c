/* The template engine (src/hutch/tmpl_*.c) against what Go's
 * text/template and docker's functions print, and the tabwriter. */
#include "tap.h"

#include "util/tabwriter.h"
#include "template.h"

#include <stdlib.h>

static const char *data_text =
    "{\"Name\":\"web\",\"Id\":\"abc123\",\"N\":3,\"F\":1.5,\"Big\":1000000.0,\"T\":true,"
    "\"Z\":0,\"E\":\"\",\"Nil\":null,\"Args\":[\"sh\",\"-c\",\"echo hi\"],"
    "\"Empty\":[],\"Nums\":[3,1,2],"
    "\"Labels\":{\"b\":\"2\",\"a\":\"1\"},\"State\":{\"Status\":\"running\",\"Pid\":42},"
    "\"Ports\":{\"80/tcp\":[{\"HostPort\":\"8080\"}]}}";
static json_t *data;

/* The output, or "ERR: <message>". */
static char *render(const char *tmpl) {
  char *out = NULL;
  struct hutch_error *err = NULL;
  if (hutch_template_render(tmpl, data, &out, &err) < 0) {
    char *m = NULL;
    if (asprintf(&m, "ERR: %s", err->msg) < 0)
      m = NULL;
    hutch_error_free(err);
    return m;
  }
  return out;
}

#define T(tmpl, want)                                                                              \
  do {                                                                                             \
    char *_o = render(tmpl);                                                                       \
    is_str(_o, want, "%s", tmpl);                                                                  \
    free(_o);                                                                                      \
  } while (0)

/* docker's typed fields that hold nothing print as Go prints a nil slice
 * or map; other nulls and missing keys are "no value"; json keeps null. */
static void nil_fields(void) {
  json_t *saved = data;
  data = json_loads("{\"Name\":\"web\",\"Config\":{\"Cmd\":null,\"Labels\":null,\"User\":null}}", 0,
                    NULL);
  T("{{.Config.Cmd}}", "[]");
  T("{{.Config.Labels}}", "map[]");
  T("{{.Config.Entrypoint}}", "[]");
  T("{{.Config.User}}", "<no value>");
  T("{{json .Config.Cmd}}", "null");
  T("{{.Config.Cmd}} {{.Name}}", "[] web");
  T("{{printf \"%s\" .Name}}{{.Config.User}}", "web<no value>");
  json_decref(data);
  data = saved;
}

/* A field the data does not have fails as docker's inspect does (it runs
 * the raw JSON with missingkey=error; `docker inspect -f '{{.Nope}}'`
 * prints this, exit 1), except a key a map does not have, a nil map, and
 * the omitempty fields of docker's structs, which its typed pass prints. */
static void missing_fields(void) {
  const char *miss =
      "ERR: template: :1:%d: executing \"\" at <%s>: map has no entry for key \"%s\"";
  char want[256];
  snprintf(want, sizeof(want), miss, 2, ".Missing", "Missing");
  T("{{.Missing}}", want);
  snprintf(want, sizeof(want), miss, 10, ".Missing.Deeper", "Missing");
  T("{{.Missing.Deeper}}", want);
  snprintf(want, sizeof(want), miss, 18, ".State.Nope", "Nope");
  T("{{.Name}} {{.State.Nope}}", want);
  snprintf(want, sizeof(want), miss, 5, ".Missing", "Missing");
  T("{{if .Missing}}a{{end}}", want);
  /* a struct inside a map (.NetworkSettings.Networks.bridge) is a struct */
  snprintf(want, sizeof(want), miss, 29, ".Nope", "Nope");
  T("{{range .Ports}}{{range .}}{{.Nope}}{{end}}{{end}}", want);
  T("{{.Labels.zz}}|{{.Ports.zz}}", "<no value>|<no value>");
  T("{{.State.Health}}|{{if .State.Health}}h{{else}}none{{end}}", "<nil>|none");
  T("{{.Config.StopSignal}}", "ERR: template: :1:9: executing \"\" at <.Config.StopSignal>: map "
                              "has no entry for key \"Config\"");
  json_t *saved = data;
  data = json_loads("{\"Config\":{\"Labels\":null}}", 0, NULL);
  T("{{.Config.Labels.x}}|{{.Config.StopSignal}}", "<no value>|<no value>");
  json_decref(data);
  data = saved;
}

static void fields(void) {
  T("{{.Name}}", "web");
  T("x {{.State.Status}} y", "x running y");
  T("{{.State.Pid}}", "42");
  T("{{.Nil}}", "<no value>");
  /* Go puts a field chain at its second field: the column is that one's */
  T("{{.Nil.X}}", "ERR: template: :1:6: executing \"\" at <.Nil.X>: nil pointer evaluating "
                  "interface {}.X");
  T("{{.Name.X}}", "ERR: template: :1:7: executing \"\" at <.Name.X>: can't evaluate field X in "
                   "type string");
  T("{{.Labels}}", "map[a:1 b:2]");
  T("{{.Args}}", "[sh -c echo hi]");
  T("{{.F}} {{.Big}} {{.T}}", "1.5 1e+06 true");
  T("{{.State}}", "map[Pid:42 Status:running]");
  T("{{.}}", "map[Args:[sh -c echo hi] Big:1e+06 E: Empty:[] F:1.5 Id:abc123 Labels:map[a:1 b:2] "
             "N:3 Name:web Nil:<nil> Nums:[3 1 2] Ports:map[80/tcp:[map[HostPort:8080]]] "
             "State:map[Pid:42 Status:running] T:true Z:0]");
}

static void literals_and_vars(void) {
  T("{{\"a\\tb\\n\"}}", "a\tb\n");
  T("{{`raw\\n`}}", "raw\\n");
  T("{{'a'}} {{12}} {{-3}} {{0x10}} {{1.25}} {{true}} {{false}}", "97 12 -3 16 1.25 true false");
  T("{{$x := .Name}}[{{$x}}]", "[web]");
  T("{{$x := 1}}{{$x = 2}}{{$x}}", "2");
  T("{{with .State}}{{$.Name}}:{{.Pid}}{{end}}", "web:42");
  T("{{$}}", "map[Args:[sh -c echo hi] Big:1e+06 E: Empty:[] F:1.5 Id:abc123 Labels:map[a:1 b:2] "
             "N:3 Name:web Nil:<nil> Nums:[3 1 2] Ports:map[80/tcp:[map[HostPort:8080]]] "
             "State:map[Pid:42 Status:running] T:true Z:0]");
  T("{{$x := .State}}{{$x.Status}}", "running");
  T("{{if true}}{{$y := 1}}{{end}}{{$y}}", "ERR: template: :1: undefined variable \"$y\"");
  T("{{$z}}", "ERR: template: :1: undefined variable \"$z\"");
  T("{{nil}}", "ERR: template: :1:2: executing \"\" at <nil>: nil is not a command");
  T("{{/* a comment */}}ok", "ok");
  T("a  {{- /* c */ -}}  b", "ab");
}

static void control(void) {
  T("{{if .T}}yes{{else}}no{{end}}", "yes");
  T("{{if .Z}}yes{{else}}no{{end}}", "no");
  T("{{if .E}}a{{else if .N}}b{{else}}c{{end}}", "b");
  T("{{if .Nil}}a{{else if .Z}}b{{else}}c{{end}}", "c");
  T("{{if .Empty}}a{{else}}empty{{end}}", "empty");
  T("{{with .Nil}}a{{else}}none{{end}}", "none");
  T("{{with .E}}a{{else with .Name}}{{.}}{{end}}", "web");
  T("{{range .Args}}<{{.}}>{{end}}", "<sh><-c><echo hi>");
  T("{{range $i, $a := .Args}}{{$i}}={{$a}} {{end}}", "0=sh 1=-c 2=echo hi ");
  T("{{range $k, $v := .Labels}}{{$k}}:{{$v}},{{end}}", "a:1,b:2,");
  T("{{range .Labels}}{{.}}{{end}}", "12");
  T("{{range .Empty}}x{{else}}nothing{{end}}", "nothing");
  T("{{range .Nil}}x{{else}}nothing{{end}}", "nothing");
  T("{{range $p, $b := .Ports}}{{$p}}->{{(index $b 0).HostPort}}{{end}}", "80/tcp->8080");
  T("{{range .Nums}}{{if eq . 1}}{{continue}}{{end}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}",
    "3");
  T("{{range 3}}{{.}}{{end}}", "012");
  T("{{range .Name}}{{end}}",
    "ERR: template: :1:8: executing \"\" at <.Name>: range can't iterate over web");
  T("  {{- .Name -}}  \n x", "webx");
  T("{{-3}}", "-3");
}

static void functions(void) {
  T("{{.Name | upper}}", "WEB");
  T("{{upper .Name}} {{lower \"ABC\"}} {{title \"hello big-world\"}}", "WEB abc Hello Big-World");
  T("{{join .Args \",\"}}", "sh,-c,echo hi");
  T("{{split \"a:b:c\" \":\"}}", "[a b c]");
  T("{{index (split \"a:b:c\" \":\") 1}}", "b");
  T("{{len .Args}} {{len .Name}} {{len .Labels}}", "3 3 2");
  T("{{index .Labels \"a\"}} {{index .Args 2}} {{index .Ports \"80/tcp\" 0 \"HostPort\"}}",
    "1 echo hi 8080");
  T("{{index .Labels \"zz\"}}", "<no value>");
  T("{{index .Args 5}}",
    "ERR: template: :1:2: executing \"\" at <index>: error calling index: index out of range: 5");
  /* objects keep their order (docker's structs); maps come sorted */
  T("{{json .Labels}}", "{\"b\":\"2\",\"a\":\"1\"}");
  T("{{json .Name}} {{json .Nil}} {{json .Args}}", "\"web\" null [\"sh\",\"-c\",\"echo hi\"]");
  T("[{{pad .Name 2 1}}][{{pad .E 2 1}}]", "[  web ][]");
  T("{{truncate .Id 3}} {{truncate .Id 30}}", "abc abc123");
  T("{{slice .Id 1 3}} {{slice .Args 1}}", "bc [-c echo hi]");
  T("{{not .T}} {{and .T .N}} {{or .E .Name}} {{and .Z .Missing}}", "false 3 web 0");
  T("{{eq .Name \"web\"}} {{eq .N 1 2 3}} {{ne .N 3}}", "true true false");
  T("{{lt .N 4}} {{le .N 3}} {{gt .Name \"a\"}} {{ge 2 3}}", "true true true false");
  T("{{if and (eq .State.Status \"running\") (gt .State.Pid 0)}}up{{end}}", "up");
  T("{{eq .Name 1}}",
    "ERR: template: :1:2: executing \"\" at <eq>: error calling eq: incompatible types for "
    "comparison");
  T("{{lt .T .T}}",
    "ERR: template: :1:2: executing \"\" at <lt>: error calling lt: invalid type for comparison");
  T("{{print .Name .N \"x\" 1 2}}", "web3x1 2");
  T("{{println .Name .N}}", "web 3\n");
  T("{{.N | printf \"%05d\"}}", "00003");
  T("{{upper 3}}",
    "ERR: template: :1:2: executing \"\" at <upper>: wrong type for value; expected string; got "
    "int");
  T("{{join .Name \",\"}}", "ERR: template: :1:2: executing \"\" at <join>: wrong type for value; "
                            "expected []string; got string");
  T("{{upper}}",
    "ERR: template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 got 0");
  T("{{.Labels \"a\"}}|{{.Labels \"zz\"}}", "1|");
  T("{{.Name \"a\"}}",
    "ERR: template: :1:2: executing \"\" at <.Name>: can't give argument to non-function .Name");
  T("{{\"a\" \"b\"}}",
    "ERR: template: :1:2: executing \"\" at <\"a\">: can't give argument to non-function \"a\"");
}

static void printf_verbs(void) {
  T("{{printf \"%s|%d|%v|%t\" .Name .N .F .T}}", "web|3|1.5|true");
  T("{{printf \"%q %q\" .Name 65}}", "\"web\" 'A'");
  T("{{printf \"%x %X %x\" 255 255 \"hi\"}}", "ff FF 6869");
  T("{{printf \"[%-6s][%6s][%.2s]\" .Name .Name .Name}}", "[web   ][   web][we]");
  T("{{printf \"%5.2f|%e|%g\" .F .F .F}}", " 1.50|1.500000e+00|1.5");
  T("{{printf \"%d\" .Name}}", "%!d(string=web)");
  T("{{printf \"%s\" .N}}", "%!s(int=3)");
  T("{{printf \"%s %s\" .Name}}", "web %!s(MISSING)");
  T("{{printf \"%s\" .Name 1}}", "web%!(EXTRA int=1)");
  T("{{printf \"%v %s\" .Labels .Args}}", "map[a:1 b:2] [sh -c echo hi]");
  T("{{printf \"100%%\"}}", "100%");
  T("{{printf \"%2000000s|%.2000000d\" .Name .N}}", "%!(BADWIDTH)web|%!(BADPREC)3");
  T("{{printf \"%T %T\" .N .Args}}", "int []interface {}");
  T("{{printf \"%q\" \"a\\\"b\\n\"}}", "\"a\\\"b\\n\"");
}

static void parse_errors(void) {
  T("{{foo}}", "ERR: template: :1: function \"foo\" not defined");
  T("x\n{{bar .}}", "ERR: template: :2: function \"bar\" not defined");
  T("{{.Name", "ERR: template: :1: unclosed action");
  T("{{}}", "ERR: template: :1: missing value for command");
  T("{{if .T}}x", "ERR: template: :1: unexpected EOF");
  T("{{end}}", "ERR: template: :1: unexpected {{end}}");
  T("{{else}}", "ERR: template: :1: unexpected {{else}}");
  T("{{if}}{{end}}", "ERR: template: :1: missing value for if");
  T("{{range}}{{end}}", "ERR: template: :1: missing value for range");
  T("{{break}}", "ERR: template: :1: {{break}} outside {{range}}");
  T("{{\"abc}}", "ERR: template: :1: unterminated quoted string");
  T("{{(.Name}}", "ERR: template: :1: unclosed left paren");
  T("{{.Name)}}", "ERR: template: :1: unexpected right paren");
  T("{{.Name ^}}", "ERR: template: :1: unexpected bad character U+005E '^' in command");
  T("{{.Name |}}", "ERR: template: :1: missing command after pipe");
  T("{{.Name | \"x\"}}", "ERR: template: :1: non executable command in pipeline stage 2");
  T("{{if .T}}{{else}}{{else}}{{end}}", "ERR: template: :1: expected end; found {{else}}");
  T("{{define \"x\"}}{{end}}", "ERR: template: :1: {{define}} is not supported");
  char deep[5000] = "{{";
  for (int i = 0; i < 1200; i++)
    strcat(deep, "(");
  strcat(deep, "1");
  for (int i = 0; i < 1200; i++)
    strcat(deep, ")");
  strcat(deep, "}}");
  T(deep, "ERR: template: :1: max expression depth exceeded");
}

static void header_mode(void) {
  struct hutch_template *t = NULL;
  ok(hutch_template_parse("{{.ID}}\t{{upper .Names}}\t{{json .Labels}}\t{{truncate .Image 2}}", &t,
                          NULL) == 0,
     "parse a table template");
  json_t *h = json_pack("{s:s, s:s, s:s, s:s}", "ID", "CONTAINER ID", "Names", "NAMES", "Labels",
                        "LABELS", "Image", "IMAGE");
  char *out = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&out, &len);
  ok(hutch_template_exec(t, m, h, true, NULL) == 0, "header row");
  fclose(m);
  is_str(out, "CONTAINER ID\tNAMES\tLABELS\tIMAGE", "header functions return the column name");
  free(out);
  json_decref(h);
  hutch_template_free(t);
}

static void tabwriter(void) {
  const char *in = "CONTAINER ID\tNAMES\nabc\tweb\nverylongidentifier1\tx\n";
  char *out = hutch_tabwriter(in, strlen(in), 10, 3);
  is_str(out,
         "CONTAINER ID          NAMES\n"
         "abc                   web\n"
         "verylongidentifier1   x\n",
         "columns padded to the widest cell + 3");
  free(out);
  in = "A\tB\tC\nx\ty\tz\n";
  out = hutch_tabwriter(in, strlen(in), 10, 3);
  is_str(out, "A         B         C\nx         y         z\n", "minwidth 10");
  free(out);
  in = "aa\tb\n\nccccccccccccc\td\n";
  out = hutch_tabwriter(in, strlen(in), 1, 1);
  is_str(out, "aa b\n\nccccccccccccc d\n", "an empty line ends a column block");
  free(out);
  in = "é\tx\nab\ty\n";
  out = hutch_tabwriter(in, strlen(in), 1, 1);
  is_str(out, "é  x\nab y\n", "widths count characters, not bytes");
  free(out);
}

int main(void) {
  data = json_loads(data_text, 0, NULL);
  ok(data != NULL, "test data");
  fields();
  missing_fields();
  nil_fields();
  literals_and_vars();
  control();
  functions();
  printf_verbs();
  parse_errors();
  header_mode();
  tabwriter();
  json_decref(data);
  return done_testing();
}

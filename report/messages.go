package report

import (
	"fmt"
	"strings"
)

// Languages the report is written in.
var Languages = []string{"en", "fr"}

// messages holds the report's texts in English and French. They live here
// rather than in the UI's catalogue because a report is a document with its
// own vocabulary (the frameworks' section titles); numbers and dates go
// through package i18n like the UI's.
var messages = map[string][2]string{
	"title.ungp":     {"Human-rights due-diligence report %s", "Rapport de diligence raisonnable en matière de droits humains %s"},
	"title.csddd":    {"Annual due-diligence statement %s", "Déclaration annuelle sur le devoir de vigilance %s"},
	"subtitle.ungp":  {"Structured after the UN Guiding Principles Reporting Framework", "Structuré selon le cadre de reporting des Principes directeurs des Nations unies"},
	"subtitle.csddd": {"Statement on due diligence in the style of article 16 of Directive (EU) 2024/1760", "Déclaration sur le devoir de vigilance au sens de l’article 16 de la directive (UE) 2024/1760"},
	"period":         {"Period: %s to %s (compared with %s to %s).", "Période : du %s au %s (comparée à la période du %s au %s)."},
	"generated":      {"Generated on %s from the due-diligence records, at proof-log checkpoint %s (tree size %s, root %s).", "Établi le %s à partir des registres de diligence raisonnable, au point de contrôle %s du journal de preuve (taille %s, racine %s)."},
	"unverifiable":   {"This rendering was not computed at a proof-log checkpoint: its figures cannot be verified.", "Ce rendu n’a pas été calculé à un point de contrôle du journal de preuve : ses chiffres ne sont pas vérifiables."},
	"privacy":        {"No personal data and no customer names appear in this report. Counts from 1 to %[1]d are shown as “<%[2]d”, and where a total would let a reader subtract one back, another cell is hidden too.", "Ce rapport ne contient ni données personnelles ni noms de clients. Les effectifs de 1 à %[1]d sont indiqués « <%[2]d », et lorsqu’un total permettrait de les retrouver par soustraction, une autre case est masquée aussi."},

	"col.figure":   {"Figure", "Indicateur"},
	"col.value":    {"This period", "Cette période"},
	"col.previous": {"Previous period", "Période précédente"},
	"col.change":   {"Change", "Évolution"},
	"col.count":    {"Relationships", "Relations"},
	"col.right":    {"Right at risk", "Droit exposé"},
	"col.flag":     {"Red flag", "Signal d’alerte"},
	"col.context":  {"Context of the end user’s territory", "Contexte du territoire de l’utilisateur final"},
	"col.sector":   {"End user’s sector", "Secteur de l’utilisateur final"},
	"col.country":  {"Country", "Pays"},
	"col.decision": {"Decision", "Décision"},
	"col.verify":   {"How to check it", "Comment le vérifier"},
	"na":           {"n/a", "s.o."},

	"A":                {"Part A — Governance of respect for human rights", "Partie A — Gouvernance du respect des droits humains"},
	"A.text":           {"The provider’s commitment is put into practice through a recorded due-diligence process: every screening, assessment, case, decision, enforcement step, grievance and engagement is an event in a tamper-evident proof log. Restrictions, suspensions and terminations need a second approver; the figures below show how the process was used in the period.", "L’engagement du fournisseur se traduit par un processus de diligence raisonnable enregistré : chaque filtrage, évaluation, dossier, décision, étape d’exécution, réclamation et dialogue est un événement d’un journal de preuve infalsifiable. Les restrictions, suspensions et résiliations exigent un second approbateur ; les chiffres ci-dessous montrent l’usage du processus pendant la période."},
	"B":                {"Part B — Defining the focus of reporting: salient issues", "Partie B — Définir le périmètre du rapport : enjeux saillants"},
	"B.text":           {"Salient human-rights issues are those at risk of the most severe negative impact through the provider’s services. They are the rights named by the red flags raised on current assessments of customer relationships, ranked by how many relationships they concern.", "Les enjeux saillants sont les droits humains exposés aux incidences négatives les plus graves par l’intermédiaire des services du fournisseur. Ce sont les droits que nomment les signaux d’alerte relevés dans les évaluations en cours des relations clients, classés selon le nombre de relations concernées."},
	"B.geo":            {"Focal geographies: relationships assessed by the situation of the end user’s territory, and the highest risk tier by country and capability.", "Zones d’attention : relations évaluées selon la situation du territoire de l’utilisateur final, et niveau de risque le plus élevé par pays et par capacité."},
	"C":                {"Part C — Management of salient human-rights issues", "Partie C — Gestion des enjeux saillants"},
	"C1":               {"C1 — Specific policies: decisions taken", "C1 — Politiques spécifiques : décisions prises"},
	"C1.text":          {"Each case ends in a decision: engage, condition, restrict, suspend or terminate. Approved decisions of the period, by type:", "Chaque dossier aboutit à une décision : dialoguer, conditionner, restreindre, suspendre ou résilier. Décisions approuvées pendant la période, par type :"},
	"C1.breakdown":     {"Approved decisions by the end users’ country and sector (confidential detail, checked by the auditor):", "Décisions approuvées selon le pays et le secteur des utilisateurs finaux (détail confidentiel, vérifié par l’auditeur) :"},
	"C1.named":         {"Decisions the company chose to make public, with the customer they concern:", "Décisions que l’entreprise a choisi de rendre publiques, avec le client concerné :"},
	"C1.named.none":    {"No decision of the period was made public by name.", "Aucune décision de la période n’a été rendue publique nommément."},
	"col.date":         {"Date", "Date"},
	"col.customer":     {"Customer", "Client"},
	"col.capabilities": {"Capabilities withdrawn", "Capacités retirées"},
	"C2":               {"C2 — Stakeholder engagement", "C2 — Dialogue avec les parties prenantes"},
	"C2.text":          {"Letters and meetings with affected groups and their representatives, and the promises made to them:", "Courriers et réunions avec les groupes concernés et leurs représentants, et engagements pris envers eux :"},
	"C3":               {"C3 — Assessing impacts", "C3 — Évaluation des incidences"},
	"C3.text":          {"Every customer relationship (an account and the end user it ultimately serves) is screened and assessed against the red-flag policy.", "Chaque relation client (un compte et l’utilisateur final qu’il sert en dernier ressort) est filtrée et évaluée au regard de la politique de signaux d’alerte."},
	"C4":               {"C4 — Integrating findings and taking action", "C4 — Intégrer les constats et agir"},
	"C4.text":          {"Restrictions, suspensions and terminations are carried out on the control plane and then verified from usage metadata: a verified action is one after which use of the capability stopped.", "Les restrictions, suspensions et résiliations sont exécutées sur le plan de contrôle puis vérifiées d’après les métadonnées d’usage : une action vérifiée est une action après laquelle l’usage de la capacité a cessé."},
	"C5":               {"C5 — Tracking performance: what changed since the previous period", "C5 — Suivi des performances : évolution depuis la période précédente"},
	"C6":               {"C6 — Remediation: grievances", "C6 — Réparation : réclamations"},
	"C6.text":          {"Anyone affected can raise a grievance, anonymously if they wish. Acknowledgement and answer deadlines are part of the procedure; whether each was met is recorded in the public log.", "Toute personne concernée peut déposer une réclamation, anonymement si elle le souhaite. Les délais d’accusé de réception et de réponse font partie de la procédure ; leur respect est inscrit au journal public."},
	"V":                {"About these figures: how to verify them", "À propos de ces chiffres : comment les vérifier"},
	"V.text":           {"Every figure of this report is listed in report.json with its definition. Figures marked “log” count event types over the period in the public proof log; anyone can recount them:", "Chaque chiffre de ce rapport figure dans report.json avec sa définition. Les chiffres marqués « journal » comptent des types d’événements de la période dans le journal de preuve public ; chacun peut les recompter :"},
	"V.audit":          {"Figures marked “auditor” need the events’ confidential detail; an auditor given the events and their salts re-derives them with --events. Figures marked “snapshot” describe the assessments when the report was generated.", "Les chiffres marqués « auditeur » exigent le détail confidentiel des événements ; un auditeur qui reçoit les événements et leurs sels les recalcule avec --events. Les chiffres marqués « instantané » décrivent les évaluations au moment de l’établissement du rapport."},

	"S1":      {"1. Due diligence in the company’s policies and risk management", "1. Intégration du devoir de vigilance dans les politiques et la gestion des risques"},
	"S1.text": {"Due diligence runs as a recorded process over every customer relationship: screening against risk lists, explained assessment under a published red-flag policy, cases with four-eyes decisions, enforcement on the control plane and verification from usage metadata, a grievance mechanism and stakeholder engagement.", "Le devoir de vigilance s’exerce par un processus enregistré portant sur chaque relation client : filtrage au regard des listes de risques, évaluation motivée selon une politique de signaux d’alerte publiée, dossiers avec décisions à quatre yeux, exécution sur le plan de contrôle et vérification d’après les métadonnées d’usage, mécanisme de réclamation et dialogue avec les parties prenantes."},
	"S2":      {"2. Identification and assessment of adverse impacts", "2. Recensement et évaluation des incidences négatives"},
	"S3":      {"3. Prevention, mitigation and bringing impacts to an end", "3. Prévention, atténuation et suppression des incidences"},
	"S4":      {"4. Remediation and the complaints procedure", "4. Réparation et procédure de plainte"},
	"S5":      {"5. Meaningful engagement with stakeholders", "5. Dialogue constructif avec les parties prenantes"},
	"S6":      {"6. Monitoring the effectiveness of due diligence", "6. Contrôle de l’efficacité du devoir de vigilance"},

	"chart.timeseries": {"Due-diligence events per month", "Événements de diligence raisonnable par mois"},
	"chart.decisions":  {"Approved decisions by type", "Décisions approuvées par type"},
	"chart.heatmap":    {"Highest risk tier by country and capability (relationships)", "Niveau de risque le plus élevé par pays et capacité (relations)"},
	"chart.suppressed": {"grey: fewer than %d, hidden", "gris : moins de %d, masqué"},

	"heat.other": {"other territories", "autres territoires"},

	"kind.public":       {"log", "journal"},
	"kind.confidential": {"auditor", "auditeur"},
	"kind.snapshot":     {"snapshot", "instantané"},

	"fig.decisions.approved.total":       {"Approved decisions", "Décisions approuvées"},
	"fig.decisions.rejected":             {"Proposed decisions rejected by the approver", "Décisions proposées rejetées par l’approbateur"},
	"fig.enforcement.queued":             {"Enforcement actions sent to the control plane", "Mesures transmises au plan de contrôle"},
	"fig.enforcement.confirmed":          {"Confirmed by the control plane", "Confirmées par le plan de contrôle"},
	"fig.enforcement.failed":             {"Refused or failed", "Refusées ou échouées"},
	"fig.enforcement.verified":           {"Verified: use stopped", "Vérifiées : l’usage a cessé"},
	"fig.enforcement.unverified":         {"Not verified: use went on, case reopened", "Non vérifiées : l’usage a continué, dossier rouvert"},
	"fig.enforcement.verified.restrict":  {"Restrictions verified", "Restrictions vérifiées"},
	"fig.enforcement.verified.suspend":   {"Suspensions verified", "Suspensions vérifiées"},
	"fig.enforcement.verified.terminate": {"Terminations verified", "Résiliations vérifiées"},
	"fig.grievances.received":            {"Grievances received", "Réclamations reçues"},
	"fig.grievances.acknowledged":        {"Acknowledged in time", "Accusé de réception dans les délais"},
	"fig.grievances.acknowledged_late":   {"Acknowledged late", "Accusé de réception en retard"},
	"fig.grievances.answered":            {"Answered in time", "Réponse dans les délais"},
	"fig.grievances.answered_late":       {"Answered late", "Réponse en retard"},
	"fig.grievances.closed":              {"Closed", "Clôturées"},
	"fig.grievances.led_to_action":       {"Closed grievances that led to action", "Réclamations clôturées ayant conduit à une mesure"},
	"fig.grievances.ack_rate":            {"Share acknowledged in time", "Part des accusés de réception dans les délais"},
	"fig.grievances.answer_rate":         {"Share answered in time", "Part des réponses dans les délais"},
	"fig.engagement.recorded":            {"Letters and meetings", "Courriers et réunions"},
	"fig.engagement.promised":            {"Promises made", "Engagements pris"},
	"fig.engagement.kept":                {"Promises kept on time", "Engagements tenus dans les délais"},
	"fig.engagement.kept_late":           {"Promises kept late", "Engagements tenus en retard"},
	"fig.engagement.overdue":             {"Promises overdue", "Engagements en souffrance"},
	"fig.cases.opened":                   {"Cases opened", "Dossiers ouverts"},
	"fig.cases.closed":                   {"Cases closed", "Dossiers clôturés"},
	"fig.screening.runs":                 {"Screening runs", "Filtrages effectués"},
	"fig.screening.matches_found":        {"Possible list matches found", "Correspondances possibles trouvées"},
	"fig.screening.matches_confirmed":    {"List matches confirmed", "Correspondances confirmées"},
	"fig.assessments.tier_changed":       {"Changes of risk tier", "Changements de niveau de risque"},
	"fig.relationships.total":            {"Relationships assessed", "Relations évaluées"},
	"fig.relationships.high_risk":        {"of which in a conflict-affected or high-risk area", "dont en zone de conflit ou à haut risque"},

	"decision.engage":    {"Engage", "Dialoguer"},
	"decision.condition": {"Condition", "Conditionner"},
	"decision.restrict":  {"Restrict", "Restreindre"},
	"decision.suspend":   {"Suspend", "Suspendre"},
	"decision.terminate": {"Terminate", "Résilier"},

	"status.none":                  {"No armed conflict recorded", "Aucun conflit armé recensé"},
	"status.active_armed_conflict": {"Active armed conflict", "Conflit armé en cours"},
	"status.occupation":            {"Occupation", "Occupation"},
	"status.post_conflict":         {"Post-conflict", "Sortie de conflit"},

	"right.life":                    {"Right to life", "Droit à la vie"},
	"right.liberty_and_security":    {"Liberty and security of person", "Liberté et sécurité de la personne"},
	"right.privacy":                 {"Privacy", "Vie privée"},
	"right.non_discrimination":      {"Non-discrimination", "Non-discrimination"},
	"right.expression_and_assembly": {"Freedom of expression and assembly", "Libertés d’expression et de réunion"},
	"right.remedy":                  {"Access to remedy", "Accès à des voies de recours"},
	"sector.none":                   {"no sector recorded", "aucun secteur indiqué"},
}

// tr returns the message in the language, formatted with args; an unknown
// key comes back as itself, so a new category still shows.
func tr(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == "fr" {
		s = m[1]
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// label translates a category (a decision type, a conflict status, a
// right) and falls back to the category itself, which is data.
func label(lang, prefix, value string) string {
	if _, ok := messages[prefix+"."+value]; ok {
		return tr(lang, prefix+"."+value)
	}
	return strings.ReplaceAll(value, "_", " ")
}

// Interface text in English and French.

export const TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
  "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"];

export const MODALITIES = ["asserted", "claimed", "planned", "threatened", "denied", "hypothetical"];

export const TEXT = {
  en: {
    type: "Type", all: "All", modality: "Modality", mode: "Mode", country: "Country", actor: "Actor", text: "Text",
    minSources: "Sources ≥", from: "From", to: "To", reset: "Reset", date: "Date", recipient: "Recipient",
    place: "Place", sourcesShort: "Src", sources: "sources", reports: "reports", events: "events",
    articles: "articles", noEvents: "No event matches these filters.", noDates: "No dated events.",
    back: "Back", untitled: "(untitled)", actors: "actors", places: "places", triggers: "events",
    attribution: "attribution", signals: "signals", evidence: "evidence", outlet: "Outlet", owner: "Owner",
    typology: "Typology", basis: "Basis", noProfile: "No profile for this source in the registry.",
    hint: "Scroll to zoom the map, drag to pan; drag across the timeline to pick dates.",
    asserted: "asserted", claimed: "claimed", planned: "planned", threatened: "threatened",
    denied: "denied", hypothetical: "hypothetical",
  },
  fr: {
    type: "Type", all: "Tous", modality: "Modalité", mode: "Mode", country: "Pays", actor: "Acteur", text: "Texte",
    minSources: "Sources ≥", from: "Du", to: "Au", reset: "Effacer", date: "Date", recipient: "Cible",
    place: "Lieu", sourcesShort: "Src", sources: "sources", reports: "mentions", events: "événements",
    articles: "articles", noEvents: "Aucun événement ne correspond à ces filtres.", noDates: "Aucun événement daté.",
    back: "Retour", untitled: "(sans titre)", actors: "acteurs", places: "lieux", triggers: "événements",
    attribution: "attribution", signals: "signaux", evidence: "preuve", outlet: "Média", owner: "Propriétaire",
    typology: "Typologie", basis: "Fondement", noProfile: "Pas de profil pour cette source dans le registre.",
    hint: "Molette pour zoomer sur la carte, glisser pour la déplacer ; glisser sur la frise pour choisir des dates.",
    asserted: "affirmé", claimed: "rapporté", planned: "prévu", threatened: "menacé",
    denied: "démenti", hypothetical: "hypothétique",
  },
};
